import { describe, expect, it } from 'vitest';
import { CleaveError } from '../http/index.ts';
import { attempt, backoffMs, retryable } from './attempt.ts';

describe('one attempt of a step', () => {
  it('times out with an unknown, retryable outcome and aborts the step’s signal', async () => {
    let seen: AbortSignal | undefined;
    const out = await attempt(
      (signal) => {
        seen = signal;
        return new Promise(() => {});
      },
      50,
      new AbortController().signal,
    );
    expect(out).toMatchObject({ ok: false, timedOut: true, retryable: true });
    expect(seen?.aborted).toBe(true);
  });

  it('passes an outer abort (lease lost, host stopping) to the step', async () => {
    const outer = new AbortController();
    const out = attempt((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))), 10_000, outer.signal);
    outer.abort(new Error('host stopping'));
    expect(await out).toMatchObject({ ok: false, timedOut: false });
  });

  it('retries what may pass and not what the participant refused', () => {
    expect(retryable(new Error('socket hang up'))).toBe(true);
    expect(retryable(new CleaveError('unavailable', 'rooms/unavailable', 'down'))).toBe(true);
    expect(retryable(new CleaveError('conflict', 'http/idempotency-key-in-use', 'busy'))).toBe(true);
    expect(retryable(new CleaveError('conflict', 'rooms/declined', 'no'))).toBe(false);
    expect(retryable(new CleaveError('invalid', 'rooms/bad', 'no'))).toBe(false);
  });

  it('backs off exponentially up to the cap, with jitter', () => {
    expect(backoffMs(1, 100, 1000)).toBeGreaterThanOrEqual(80);
    expect(backoffMs(1, 100, 1000)).toBeLessThanOrEqual(120);
    expect(backoffMs(10, 100, 1000)).toBeLessThanOrEqual(1200);
  });
});
