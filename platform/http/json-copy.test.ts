import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonCopy } from './json-copy.ts';

const viaText = (value: unknown) => {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : JSON.parse(text);
};

describe('jsonCopy', () => {
  it('gives what a JSON round trip gives, for any JSON-like value (fast-check)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(jsonCopy(value)).toEqual(viaText(value));
      }),
    );
  });

  it('keeps a "__proto__" key as data, as JSON.parse does, and never changes the copy\'s prototype', () => {
    const value = JSON.parse('{"__proto__":{"admin":true},"a":{"__proto__":false}}') as Record<string, unknown>;
    const copied = jsonCopy(value) as Record<string, unknown>;
    expect(copied).toEqual(viaText(value));
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect((copied as { admin?: unknown }).admin).toBeUndefined();
    expect(Object.hasOwn(copied, '__proto__')).toBe(true);
    expect(JSON.stringify(copied)).toBe('{"__proto__":{"admin":true},"a":{"__proto__":false}}');
  });

  it('gives what a JSON round trip gives for the values JSON treats specially', () => {
    class Money {
      readonly amount: number;
      constructor(amount: number) {
        this.amount = amount;
      }
      toJSON() {
        return { amount: this.amount, currency: 'EUR' };
      }
    }
    const tricky = {
      at: new Date('2026-11-30T10:00:00Z'),
      gone: undefined,
      fn: () => 1,
      sym: Symbol('x'),
      list: [undefined, () => 1, Number.NaN, Infinity, -0, 'a'],
      boxed: [Object(1), Object('s'), Object(true)],
      money: new Money(5),
      map: new Map([[1, 2]]),
      nested: { deeper: { at: new Date(0) } },
      [Symbol('hidden')]: 1,
    };
    Object.defineProperty(tricky, 'invisible', { value: 1, enumerable: false });
    expect(jsonCopy(tricky)).toStrictEqual(viaText(tricky));
    expect(jsonCopy(undefined)).toBeUndefined();
  });

  it('never returns the objects it was given', () => {
    const input = { a: { b: [{ c: 1 }] } };
    const output = jsonCopy(input) as typeof input;
    expect(output).toEqual(input);
    expect(output).not.toBe(input);
    expect(output.a).not.toBe(input.a);
    expect(output.a.b[0]).not.toBe(input.a.b[0]);
  });

  it('throws on a BigInt and on a cycle, as JSON.stringify does', () => {
    expect(() => jsonCopy({ n: 1n })).toThrow(TypeError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => jsonCopy(cycle)).toThrow(TypeError);
  });
});
