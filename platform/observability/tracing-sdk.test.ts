import { ROOT_CONTEXT, SpanKind, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter, SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ExecutionContext } from './context.ts';
import { createLogger } from './logger.ts';
import { createSdkTracing } from './tracing-sdk.ts';

const logger = createLogger({ level: 'info', format: 'json', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });
const tracingAt = (ratio: number, exporter = new InMemorySpanExporter()) =>
  createSdkTracing({ exporter: 'log', ratio, serviceName: 'test', modules: ['a'], logger, spanExporter: exporter });

describe('SDK tracing: spans left out of the sample', () => {
  it('samples new traces by the ratio of their own trace id, as the SDK sampler decides it, and records exactly those', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await tracingAt(0.25, exporter);
    const ratio = new TraceIdRatioBasedSampler(0.25);
    const recorded = new Set<string>();
    let sampled = 0;
    for (let i = 0; i < 4_000; i++) {
      const span = tracing.startSpan('GET', { kind: SpanKind.SERVER });
      if (!span) throw new Error('tracing is on');
      const { traceId, spanId, traceFlags } = span.spanContext();
      expect(traceId).toMatch(/^[\da-f]{32}$/);
      expect(spanId).toMatch(/^[\da-f]{16}$/);
      const decision = ratio.shouldSample(ROOT_CONTEXT, traceId).decision;
      expect(span.isRecording(), traceId).toBe(decision === SamplingDecision.RECORD_AND_SAMPLED);
      expect(traceFlags & TraceFlags.SAMPLED).toBe(span.isRecording() ? TraceFlags.SAMPLED : 0);
      if (span.isRecording()) {
        sampled++;
        recorded.add(traceId);
      }
      span.end();
    }
    // 1,000 expected; a second draw of the trace id inside the SDK would leave about 250.
    expect(sampled).toBeGreaterThan(850);
    expect(sampled).toBeLessThan(1_150);
    expect(new Set(exporter.getFinishedSpans().map((s) => s.spanContext().traceId))).toEqual(recorded);
    await tracing.shutdown();
  });

  it('a child of a span left out is left out too, in the same trace, with an id of its own; a child of a recorded one is recorded', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await tracingAt(0.5, exporter);
    const seen = { recorded: 0, left: 0 };
    for (let i = 0; i < 200; i++) {
      const parent: ExecutionContext = { correlationId: 'c' };
      const server = tracing.startSpan('GET', { kind: SpanKind.SERVER }, parent);
      if (!server) throw new Error('tracing is on');
      parent.span = server;
      const child = tracing.startSpan('SELECT', { kind: SpanKind.CLIENT }, parent);
      if (!child) throw new Error('tracing is on');
      expect(child.spanContext().traceId).toBe(server.spanContext().traceId);
      expect(child.spanContext().spanId).not.toBe(server.spanContext().spanId);
      expect(child.spanContext().spanId).toMatch(/^(?!0{16})[\da-f]{16}$/);
      expect(child.isRecording()).toBe(server.isRecording());
      seen[server.isRecording() ? 'recorded' : 'left']++;
      child.end();
      server.end();
    }
    expect(seen.recorded).toBeGreaterThan(0);
    expect(seen.left).toBeGreaterThan(0);
    expect(exporter.getFinishedSpans()).toHaveLength(seen.recorded * 2);
    await tracing.shutdown();
  });

  it("follows a remote parent's sampled flag whatever the ratio, keeping its trace id", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await tracingAt(1, exporter);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const left = tracing.startSpan('GET', { kind: SpanKind.SERVER, traceparent: `00-${traceId}-00f067aa0ba902b7-00` });
    expect(left?.isRecording()).toBe(false);
    expect(left?.spanContext().traceId).toBe(traceId);
    left?.end();
    const none = await tracingAt(0, exporter);
    const kept = none.startSpan('GET', { kind: SpanKind.SERVER, traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(kept?.isRecording()).toBe(true);
    expect(kept?.spanContext().traceId).toBe(traceId);
    kept?.end();
    expect(exporter.getFinishedSpans().map((s) => s.spanContext().traceId)).toEqual([traceId]);
    await Promise.all([tracing.shutdown(), none.shutdown()]);
  });
});
