import { describe, expect, it } from 'vitest';
import { checksPass } from './health.ts';

const passing = { name: 'database', check: async () => 'up' };
const failing = { name: 'migrations', check: async () => Promise.reject(new Error('2 migration(s) not applied')) };
const warning = { name: 'event-routing', critical: false, check: async () => Promise.reject(new Error('events for inventory wait')) };

describe('the health a host reports to the registry', () => {
  it('is what /health/ready says: a failing non-critical check is a warning, not a failure', async () => {
    expect(await checksPass([passing])).toBe('pass');
    expect(await checksPass([passing, warning])).toBe('pass');
    expect(await checksPass([passing, warning, failing])).toBe('fail');
  });
});
