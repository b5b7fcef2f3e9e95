import { describe, expect, it } from 'vitest';
import { problemsOf } from '../../tests/support/config-problems.ts';
import { loadConfig } from './load-config.ts';

describe('rollout settings', () => {
  it('default: no canary, the subject as sticky key, deployment "monolith", a drain of a quarter of the deadline up to 3 s', () => {
    expect(loadConfig({}).rollout).toEqual({
      canaries: {},
      header: 'x-cleave-canary',
      stickyKey: { from: 'subject' },
      refreshMs: 5000,
      deployment: 'monolith',
      colour: undefined,
      drainDelayMs: 3000,
    });
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '2000' }).rollout.drainDelayMs).toBe(500);
    expect(loadConfig({ MODULES: 'inventory,catalog', DEPLOYMENT_COLOUR: 'green' }).rollout).toMatchObject({
      deployment: 'catalog-inventory',
      colour: 'green',
    });
  });

  it('reads a canary of a module served here, and the sticky key from a header or cookie', () => {
    const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', CANARY_MODULES: 'inventory=discover', CANARY_STICKY_KEY: 'header:X-Session' });
    expect(config.rollout).toMatchObject({ canaries: { inventory: 'discover' }, stickyKey: { from: 'header', name: 'x-session' } });
    expect(loadConfig({ CANARY_STICKY_KEY: 'cookie:sid' }).rollout.stickyKey).toEqual({ from: 'cookie', name: 'sid' });
  });

  it('refuses a canary that cannot work, naming the variable', () => {
    expect(problemsOf({ MODULES: 'catalog', REDIS_URL: 'redis://x:1', CANARY_MODULES: 'inventory=http://10.0.0.7:3001' })).toEqual([
      { variable: 'CANARY_MODULES', message: expect.stringContaining('must also be in MODULES') },
    ]);
    expect(problemsOf({ REDIS_URL: 'redis://x:1', REMOTE_MODULES: 'inventory=discover', CANARY_MODULES: 'inventory=discover' })).toEqual([
      { variable: 'CANARY_MODULES', message: expect.stringContaining('REMOTE_MODULES') },
    ]);
    expect(problemsOf({ CANARY_MODULES: 'inventory=http://10.0.0.7:3001' })).toEqual([
      { variable: 'CANARY_MODULES', message: expect.stringContaining('REDIS_URL') },
    ]);
    expect(problemsOf({ CANARY_STICKY_KEY: 'ip' }).map((p) => p.variable)).toEqual(['CANARY_STICKY_KEY']);
    expect(problemsOf({ SHUTDOWN_DRAIN_DELAY: '20s' })).toEqual([
      { variable: 'SHUTDOWN_DRAIN_DELAY', message: expect.stringContaining('SHUTDOWN_TIMEOUT_MS') },
    ]);
  });
});
