import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { createHost, type Host } from '../../platform/host/index.ts';
import { createRegistry, type Registry } from '../../platform/registry/index.ts';
import { redisUrl } from '../support/databases.ts';
import { freePort, redisPrefix } from '../support/process-host.ts';
import { redisServerAvailable, startRedisServer } from '../support/redis-server.ts';
import { call, eventually, testConfig, testLogger } from '../support/test-host.ts';

describe.skipIf(!redisUrl)('registry and discovery through the host', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('reports an instance whose contract differs from what this host was built against, in /registry and the log', async () => {
    const prefix = redisPrefix();
    const lines: Record<string, unknown>[] = [];
    const monolith: Host = await createHost({
      config: testConfig({
        MODULES: 'catalog,identity',
        DATA_DIR: 'memory',
        REDIS_URL: redisUrl as string,
        REDIS_PREFIX: prefix,
        REMOTE_MODULES: 'inventory=discover',
      }),
      modules,
      logger: testLogger(lines),
    });
    cleanups.push(() => monolith.stop());
    await monolith.announce('http://127.0.0.1:3999');
    // An inventory built from another version of the code: same name, different contract.
    const stale: Registry = createRegistry({ redisUrl: redisUrl as string, log: testLogger(), heartbeatMs: 1000, ttlMs: 5000, prefix: `${prefix}:registry` });
    cleanups.push(() => stale.close());
    await stale.announce([{ module: 'inventory', version: '0.9.0', contractHash: 'stale0000000000' }], 'http://127.0.0.1:1', async () => 'pass');

    type Catalog = {
      local: { module: string; contractHash: string }[];
      registry: { instances: { module: string; version: string; contractMatches: boolean }[] };
    };
    const body = (await (await call(monolith, 'GET', '/registry')).json()) as Catalog;
    expect(body.local.map((l) => l.module)).toEqual(['catalog', 'identity']);
    expect(body.registry.instances).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ module: 'catalog', contractMatches: true }),
        expect.objectContaining({ module: 'inventory', version: '0.9.0', contractMatches: false }),
      ]),
    );
    // Discovery still routes to it (the caller decides), but says so in the log.
    const response = await call(monolith, 'GET', `/inventory/v1/stock/${randomUUID()}`);
    expect(response.status).toBe(503);
    await eventually(() =>
      expect(lines).toContainEqual(
        expect.objectContaining({
          msg: 'instance serves a different contract than this process was built against',
          module: 'inventory',
          theirs: 'stale0000000000',
        }),
      ),
    );
  });

  it('shows an instance that stopped answering as failing at once, not when its registration expires', async () => {
    const prefix = redisPrefix();
    const monolith: Host = await createHost({
      config: testConfig({
        MODULES: 'catalog,identity',
        DATA_DIR: 'memory',
        REDIS_URL: redisUrl as string,
        REDIS_PREFIX: prefix,
        REMOTE_MODULES: 'inventory=discover',
      }),
      modules,
      logger: testLogger(),
    });
    cleanups.push(() => monolith.stop());
    // A process killed without deregistering: its entry says "pass" and lives on for REGISTRY_TTL_MS.
    const killed: Registry = createRegistry({
      redisUrl: redisUrl as string,
      log: testLogger(),
      heartbeatMs: 60_000,
      ttlMs: 60_000,
      prefix: `${prefix}:registry`,
    });
    const address = `http://127.0.0.1:${await freePort()}`;
    await killed.announce([{ module: 'inventory', version: '1.0.0', contractHash: 'x' }], address, async () => 'pass');
    await killed.close({ deregister: false });
    const body = (await (await call(monolith, 'GET', '/registry')).json()) as {
      registry: { instances: { address: string; health: string; reachable: boolean }[] };
    };
    expect(body.registry.instances.find((i) => i.address === address)).toMatchObject({ health: 'fail', reachable: false });
  });

  it.skipIf(!redisServerAvailable())('answers without the registry when Redis stalls or is down, saying why, and probes static addresses', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const gone = `http://127.0.0.1:${await freePort()}`;
    const monolith: Host = await createHost({
      config: testConfig({
        MODULES: 'catalog,identity',
        DATA_DIR: 'memory',
        REDIS_URL: server.url,
        REDIS_PREFIX: redisPrefix(),
        REMOTE_MODULES: `inventory=${gone}`,
      }),
      modules,
      logger: testLogger(),
    });
    cleanups.push(() => monolith.stop());
    type Catalog = { static: { module: string; reachable: boolean }[]; registry: { instances: unknown[]; error: string | null } };
    const catalog = async () => {
      const response = await call(monolith, 'GET', '/registry');
      expect(response.status).toBe(200);
      return (await response.json()) as Catalog;
    };
    await monolith.announce('http://127.0.0.1:3999');
    const up = await catalog();
    expect(up.registry).toMatchObject({ error: null, instances: [expect.objectContaining({ module: 'catalog' }), expect.anything()] });
    expect(up.static).toEqual([{ module: 'inventory', address: gone, reachable: false }]);

    // Stalled: every other client waits (the catalog gives up on it after 2 s).
    const admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
    try {
      await admin.call('client', 'pause', '20000', 'all');
      expect((await catalog()).registry).toEqual({ enabled: true, instances: [], error: expect.stringContaining('no answer from Redis') });
      await admin.call('client', 'unpause');
    } finally {
      admin.disconnect();
    }
    await server.stop();
    expect((await catalog()).registry).toEqual({ enabled: true, instances: [], error: expect.any(String) });
    await server.start();
  });
});
