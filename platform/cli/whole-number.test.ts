import { describe, expect, it } from 'vitest';
import { wholeNumber } from './whole-number.ts';

describe('wholeNumber', () => {
  it.each([
    ['3001', 3001],
    ['1', 1],
    ['65535', 65535],
    ['007', 7],
  ])('%j in range is %d', (text, n) => {
    expect(wholeNumber(text, 1, 65535)).toBe(n);
  });

  it.each(['0x10', ' 3001 ', '3001 ', '', '1e3', '+1', '-1', '1.0', '0', '65536', '99999999999999999999'])('%j is refused', (text) => {
    expect(wholeNumber(text, 1, 65535)).toBeUndefined();
  });
});
