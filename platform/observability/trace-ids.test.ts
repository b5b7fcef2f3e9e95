import { ROOT_CONTEXT } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ratioBound, traceIds } from './trace-ids.ts';

afterEach(() => vi.restoreAllMocks());

describe('trace ids from a pool of random bytes', () => {
  it("decides a trace id exactly as OpenTelemetry's ratio sampler does, at every ratio", () => {
    const ids = traceIds();
    for (const ratio of [0, 0.001, 0.01, 0.25, 0.5, 0.999, 1, -1, 2, Number.NaN]) {
      const sampler = new TraceIdRatioBasedSampler(ratio);
      const bound = ratioBound(ratio);
      let sampled = 0;
      for (let i = 0; i < 2_000; i++) {
        const { id, accumulation } = ids.traceId();
        const theirs = sampler.shouldSample(ROOT_CONTEXT, id).decision === SamplingDecision.RECORD_AND_SAMPLED;
        expect(accumulation < bound, `${id} at ${ratio}`).toBe(theirs);
        if (theirs) sampled++;
      }
      if (ratio >= 1) expect(sampled).toBe(2_000);
      if (!(ratio > 0)) expect(sampled).toBe(0);
    }
  });

  it('cuts well-formed, distinct ids across refills of a pool that does not divide evenly', () => {
    const ids = traceIds(40);
    const seen = new Set<string>();
    for (let i = 0; i < 1_000; i++) {
      const trace = ids.traceId().id;
      const span = ids.spanId();
      expect(trace).toMatch(/^[\da-f]{32}$/);
      expect(span).toMatch(/^[\da-f]{16}$/);
      seen.add(trace).add(span);
    }
    expect(seen.size).toBe(2_000);
  });

  it('never gives the all-zero (invalid) id, drawing again', () => {
    const real = crypto.getRandomValues.bind(crypto);
    let calls = 0;
    vi.spyOn(crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      calls++;
      // The first pool is all zeros: neither id can come from it.
      if (calls === 1 && array) new Uint8Array(array.buffer, array.byteOffset, array.byteLength).fill(0);
      else real(array as unknown as Uint8Array);
      return array;
    });
    const ids = traceIds(64);
    expect(ids.traceId().id).not.toBe('0'.repeat(32));
    expect(calls).toBe(2);
    expect(ids.spanId()).toMatch(/^(?!0{16})[\da-f]{16}$/);
  });
});
