import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './retry-after.ts';

const now = Date.parse('Sun, 06 Nov 1994 08:49:30 GMT');

describe('retryAfterMs', () => {
  it('reads delay-seconds', () => {
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
  });

  it('reads the three HTTP-date forms as the wait until that moment', () => {
    expect(retryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBe(7000);
    expect(retryAfterMs('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(7000);
    expect(retryAfterMs('Sun Nov  6 08:49:37 1994', now)).toBe(7000);
  });

  it('a date already past means no wait', () => {
    expect(retryAfterMs('Sun, 06 Nov 1994 08:00:00 GMT', now)).toBe(0);
  });

  it('absent or unreadable values give no hint, even those Date.parse would accept', () => {
    for (const value of [null, undefined, '', '-5', '1.5', 'soon', '1994-11-06T08:49:37Z']) expect(retryAfterMs(value, now)).toBeUndefined();
  });
});
