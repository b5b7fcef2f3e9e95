import process from 'node:process';
import { afterEach, describe, expect, it } from 'vitest';
import { redisPrefix } from '../../tests/support/redis-keys.ts';
import { testLogger } from '../../tests/support/test-host.ts';
import { createDiscovery } from './discovery.ts';
import { createRegistry, type Registry } from './registry.ts';

const redisUrl = process.env.TEST_REDIS_URL;

describe.skipIf(!redisUrl)('service registry on Redis', () => {
  const open: Registry[] = [];
  const prefix = redisPrefix();
  const registry = (ttlMs = 2000, labels?: { deployment: string; colour: string | null }) => {
    const r = createRegistry({ redisUrl: redisUrl as string, log: testLogger(), heartbeatMs: 100, ttlMs, prefix, ...(labels ? { labels } : {}) });
    open.push(r);
    return r;
  };
  afterEach(async () => {
    for (const r of open.splice(0)) await r.close();
  });

  it('lists what hosts announce, with version, contract hash, address and health', async () => {
    await registry().announce([{ module: 'inventory', version: '1.0.0', contractHash: 'abc' }], 'http://127.0.0.1:3001', async () => 'pass');
    await registry().announce([{ module: 'catalog', version: '1.0.0', contractHash: 'def' }], 'http://127.0.0.1:3000', async () => 'pass');
    const reader = registry();
    expect(await reader.modules()).toEqual(['catalog', 'inventory']);
    expect(await reader.instances('inventory')).toEqual([
      expect.objectContaining({ module: 'inventory', version: '1.0.0', contractHash: 'abc', address: 'http://127.0.0.1:3001', health: 'pass' }),
    ]);
  });

  it('discovery balances round-robin over healthy instances and skips unhealthy ones', async () => {
    await registry().announce([{ module: 'inventory', version: '1', contractHash: 'h' }], 'http://a:1', async () => 'pass');
    await registry().announce([{ module: 'inventory', version: '1', contractHash: 'h' }], 'http://b:1', async () => 'pass');
    await registry().announce([{ module: 'inventory', version: '1', contractHash: 'h' }], 'http://sick:1', async () => 'fail');
    const discovery = createDiscovery({ registry: registry(), log: testLogger(), cooldownMs: 60_000, expectedHash: () => 'h' });
    const picks = await Promise.all(Array.from({ length: 6 }, () => discovery.resolve('inventory')));
    expect(new Set(picks)).toEqual(new Set(['http://a:1', 'http://b:1']));
    expect(picks.filter((p) => p === 'http://a:1')).toHaveLength(3);
  });

  it('drops an instance that stops answering, and one whose heartbeat stops', async () => {
    const leaving = registry(300);
    await leaving.announce([{ module: 'inventory', version: '1', contractHash: 'h' }], 'http://gone:1', async () => 'pass');
    await registry().announce([{ module: 'inventory', version: '1', contractHash: 'h' }], 'http://stays:1', async () => 'pass');
    const discovery = createDiscovery({ registry: registry(), log: testLogger(), cooldownMs: 60_000, refreshMs: 0, expectedHash: () => 'h' });
    discovery.markFailed('inventory', 'http://stays:1');
    expect(await discovery.resolve('inventory')).toBe('http://gone:1');
    // Stop the heartbeat without deregistering, as a crashed process would: the entry expires.
    const reader = registry();
    open.splice(open.indexOf(leaving), 1);
    await leaving.close({ deregister: false });
    expect((await reader.instances('inventory')).map((i) => i.address).sort()).toEqual(['http://gone:1', 'http://stays:1']);
    await new Promise((r) => setTimeout(r, 400));
    expect((await reader.instances('inventory')).map((i) => i.address)).toEqual(['http://stays:1']);
    // The one left failed lately, but is registered and passing: it is tried again rather than refused.
    expect(await discovery.resolve('inventory')).toBe('http://stays:1');
    await expect(discovery.resolve('inventory', { colour: 'green' })).rejects.toMatchObject({ kind: 'unavailable', code: 'http/no-instance' });
  });

  it('selects instances by colour or away from a deployment, and a host that withdraws is gone at once', async () => {
    const inventory = [{ module: 'inventory', version: '1', contractHash: 'h' }];
    await registry(2000, { deployment: 'inventory', colour: 'blue' }).announce(inventory, 'http://blue:1', async () => 'pass');
    const green = registry(60_000, { deployment: 'inventory', colour: 'green' });
    await green.announce(inventory, 'http://green:1', async () => 'pass');
    await registry(2000, { deployment: 'monolith', colour: null }).announce(inventory, 'http://monolith:1', async () => 'pass');
    const discovery = createDiscovery({ registry: registry(), log: testLogger(), cooldownMs: 60_000, refreshMs: 0, expectedHash: () => 'h' });
    expect(await discovery.resolve('inventory', { colour: 'green' })).toBe('http://green:1');
    const extracted = await Promise.all(Array.from({ length: 4 }, () => discovery.resolve('inventory', { notDeployment: 'monolith' })));
    expect(new Set(extracted)).toEqual(new Set(['http://blue:1', 'http://green:1']));
    expect((await discovery.healthy('inventory', { colour: 'green' })).map((i) => i.address)).toEqual(['http://green:1']);
    await green.withdraw();
    expect((await discovery.healthy('inventory', { colour: 'green' })).map((i) => i.address)).toEqual([]);
    await expect(discovery.resolve('inventory', { colour: 'green' })).rejects.toMatchObject({ code: 'http/no-instance' });
  });

  it('a module nobody announces cannot be resolved', async () => {
    const discovery = createDiscovery({ registry: registry(), log: testLogger(), cooldownMs: 1000, expectedHash: () => undefined });
    await expect(discovery.resolve('payments')).rejects.toMatchObject({ code: 'http/no-instance', details: { module: 'payments' } });
  });
});

describe('service registry log', () => {
  it('says registered only once a heartbeat reached Redis: not with Redis out of reach', async () => {
    const lines: Record<string, unknown>[] = [];
    // Port 1: nothing listens there.
    const r = createRegistry({
      redisUrl: 'redis://127.0.0.1:1',
      log: testLogger(lines),
      heartbeatMs: 60_000,
      ttlMs: 120_000,
      prefix: redisPrefix(),
    });
    try {
      await r.announce([{ module: 'catalog', version: '1.0.0', contractHash: 'abc' }], 'http://127.0.0.1:3000', async () => 'pass');
      expect(lines.map((l) => l.msg)).toContain('registry heartbeat failed');
      expect(lines.map((l) => l.msg)).not.toContain('registered in the service registry');
    } finally {
      await r.close({ deregister: false });
    }
  });

  it.skipIf(!redisUrl)('says registered once, at the first heartbeat that reached Redis', async () => {
    const lines: Record<string, unknown>[] = [];
    const r = createRegistry({ redisUrl: redisUrl as string, log: testLogger(lines), heartbeatMs: 50, ttlMs: 2000, prefix: redisPrefix() });
    try {
      await r.announce([{ module: 'catalog', version: '1.0.0', contractHash: 'abc' }], 'http://127.0.0.1:3000', async () => 'pass');
      expect(lines.filter((l) => l.msg === 'registered in the service registry')).toHaveLength(1);
      // Later beats say nothing more.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(lines.filter((l) => l.msg === 'registered in the service registry')).toHaveLength(1);
    } finally {
      await r.close();
    }
  });
});
