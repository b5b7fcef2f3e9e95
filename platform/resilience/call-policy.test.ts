import { describe, expect, it } from 'vitest';
import { createCallPolicy, isPolicyRejection, type CallPolicyOptions } from './call-policy.ts';

class Transient extends Error {
  override readonly name = 'Transient';
}

/** A policy over plain numbers: errors named Transient and results ≥ 500 are failures, 503 is worth a retry. */
function policy(overrides: Partial<CallPolicyOptions<number>> = {}) {
  return createCallPolicy<number>({
    retries: 2,
    retryBaseMs: 1,
    retryMaxMs: 5,
    breakerThreshold: 2,
    breakerHalfOpenAfterMs: 1000,
    maxConcurrent: 1,
    maxQueued: 0,
    isTransientError: (e) => e instanceof Transient,
    isRetryableResult: (r) => r === 503,
    isFailedResult: (r) => r >= 500,
    ...overrides,
  });
}

describe('call policy', () => {
  it('a call retried to exhaustion counts once against the breaker', async () => {
    const p = policy();
    let attempts = 0;
    const failing = () => {
      attempts++;
      return Promise.reject(new Transient('down'));
    };
    await expect(p.execute(failing, { retry: true })).rejects.toBeInstanceOf(Transient);
    expect(attempts).toBe(3);
    expect(p.stats().breaker).toBe('closed');
    await expect(p.execute(failing, { retry: true })).rejects.toBeInstanceOf(Transient);
    expect(p.stats().breaker).toBe('open');

    const before = Date.now();
    const error: unknown = await p.execute(failing, { retry: true }).catch((e: unknown) => e);
    expect(isPolicyRejection(error) && error.reason).toBe('circuit-open');
    const reopensAt = isPolicyRejection(error) ? (error.reopensAt?.getTime() ?? 0) : 0;
    expect(reopensAt).toBeGreaterThan(before);
    expect(reopensAt).toBeLessThanOrEqual(before + 1000);
    expect(attempts).toBe(6);
  });

  it('an open breaker past its half-open time says half-open though no call came to move it (what /registry and the gauge show)', async () => {
    const p = policy({ breakerHalfOpenAfterMs: 50 });
    const failing = () => Promise.reject(new Transient('down'));
    for (let i = 0; i < 2; i++) await expect(p.execute(failing, { retry: false })).rejects.toBeInstanceOf(Transient);
    expect(p.stats()).toMatchObject({ breaker: 'open', reopensAt: expect.any(String) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(p.stats().breaker).toBe('half-open');
    expect(p.stats().reopensAt).toBeUndefined();
    expect(await p.execute(() => Promise.resolve(200), { retry: false })).toBe(200);
    expect(p.stats().breaker).toBe('closed');
  });

  it('a call not marked for retry runs once, and a failed result is returned, not thrown', async () => {
    const p = policy();
    let attempts = 0;
    expect(await p.execute(() => Promise.resolve(++attempts && 503), { retry: false })).toBe(503);
    expect(attempts).toBe(1);
  });

  it('the wait before a retry is at least what the result asked for', async () => {
    const p = policy({ minRetryDelayMs: (r) => (r === 503 ? 150 : undefined) });
    let attempts = 0;
    const started = Date.now();
    expect(await p.execute(() => Promise.resolve(++attempts === 1 ? 503 : 200), { retry: true })).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('beyond the concurrency limit and queue a call is refused as saturated', async () => {
    const p = policy();
    let release: (value: number) => void = () => undefined;
    const running = p.execute(() => new Promise<number>((resolve) => (release = resolve)), { retry: false });
    expect(p.stats()).toMatchObject({ inFlight: 1, queued: 0 });
    const error: unknown = await p.execute(() => Promise.resolve(200), { retry: false }).catch((e: unknown) => e);
    expect(isPolicyRejection(error) && error.reason).toBe('saturated');
    release(200);
    expect(await running).toBe(200);
  });

  it('a caller that has already given up gets its own reason back', async () => {
    const reason = new DOMException('gave up', 'AbortError');
    const controller = new AbortController();
    controller.abort(reason);
    await expect(policy().execute(() => Promise.resolve(200), { retry: true, signal: controller.signal })).rejects.toBe(reason);
  });
});
