import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

const options = { baseMs: 100, maxMs: 1000 };

describe('backoffDelay', () => {
  it('doubles per attempt between half and all of the nominal delay', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, options, () => 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, options, () => 1))).toEqual([100, 200, 400, 800]);
  });

  it('never exceeds the cap', () => {
    expect(backoffDelay(30, options, () => 1)).toBe(1000);
    expect(backoffDelay(30, options, () => 0)).toBe(500);
  });

  it('spreads retries with jitter', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3, options)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(200);
  });
});
