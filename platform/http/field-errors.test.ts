import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonStart } from './field-errors.ts';

describe('the start of a value as JSON (what a problem quotes)', () => {
  it('begins as JSON.stringify does, for any JSON value, and is whole when short (fast-check)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 80 }), (value, limit) => {
        const whole = JSON.stringify(value);
        const start = jsonStart(value, limit);
        expect(whole.startsWith(start.slice(0, limit + 1))).toBe(true);
        expect(start.length).toBeGreaterThanOrEqual(Math.min(whole.length, limit + 1));
        if (whole.length <= limit) expect(start).toBe(whole);
      }),
      { numRuns: 2000 },
    );
  });

  it('stops writing a large array once it has enough', () => {
    const large = Array.from({ length: 100_000 }, (_, i) => ({ sku: `S${i}`, tags: ['a', 'b'] }));
    const start = jsonStart(large, 60);
    expect(start.length).toBeLessThan(100);
    expect(JSON.stringify(large).startsWith(start)).toBe(true);
  });
});
