import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldErrors, jsonStart } from './field-errors.ts';

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

describe('what a field error quotes', () => {
  it("masks a URL's password, in a string and in an array cut short, wherever the cut falls", () => {
    const long = `https://bob:${'h'.repeat(80)}@app.example/cb`;
    const input = { redirectUris: ['https://bob:hunter2@app.example/cb'], many: [long, long] };
    const errors = fieldErrors({
      target: 'json',
      input,
      issues: [
        { code: 'custom', path: ['redirectUris', 0], message: 'must not carry user information' },
        { code: 'custom', path: ['many'], message: 'must hold one' },
      ],
    });
    const messages = errors.map((e) => e.message).join('\n');
    expect(messages).toContain('https://bob:[redacted]@app.example/cb');
    expect(messages).not.toContain('hunter2');
    expect(messages).not.toContain('hhhh');
  });
});
