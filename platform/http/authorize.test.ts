import { describe, expect, it } from 'vitest';
import { bearerToken } from './authorize.ts';

describe('bearerToken', () => {
  it('reads each header for itself, whatever header it read last', () => {
    const a = `Bearer ${'a'.repeat(40)}.${'b'.repeat(40)}.${'c'.repeat(40)}`;
    const b = `bearer  ${'x'.repeat(30)}==`;
    const sequence: [string | undefined, string | undefined | false][] = [
      [a, a.slice('Bearer '.length)],
      [a, a.slice('Bearer '.length)],
      // Same text, a different string: the answer is the same.
      [`Bearer ${a.slice('Bearer '.length)}`, a.slice('Bearer '.length)],
      [b, `${'x'.repeat(30)}==`],
      [undefined, undefined],
      ['Basic dXNlcjpwYXNz', false],
      [a, a.slice('Bearer '.length)],
      ['Bearer', false],
      [`${a} trailing`, false],
      [a, a.slice('Bearer '.length)],
    ];
    for (const [header, token] of sequence) expect(bearerToken(header), String(header)).toBe(token);
  });
});
