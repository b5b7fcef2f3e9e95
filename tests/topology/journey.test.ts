import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, postgresUrl, redisUrl } from '../support/databases.ts';
import { freePort, redisPrefix, startProcessHost, type ProcessHost } from '../support/process-host.ts';
import { eventually } from '../support/test-host.ts';

interface Topology {
  name: string;
  needs: { postgres: boolean; redis: boolean };
  /** Starts the processes; returns the public entry point (the monolith) and everything to stop. */
  start(cleanups: (() => Promise<void>)[]): Promise<{ entry: string; processes: ProcessHost[] }>;
}

async function scratch(cleanups: (() => Promise<void>)[]): Promise<string> {
  const db = await createScratchDatabase(postgresUrl as string);
  cleanups.push(db.drop);
  return db.url;
}

const fast = { EVENT_RETRY_BASE_MS: '20', OUTBOX_SWEEP_MS: '200', REGISTRY_HEARTBEAT_MS: '500' };

const topologies: Topology[] = [
  {
    name: 'all in one process on PGlite, in-process bus',
    needs: { postgres: false, redis: false },
    async start() {
      const monolith = await startProcessHost({ env: fast });
      return { entry: monolith.url, processes: [monolith] };
    },
  },
  {
    name: 'all in one process on PostgreSQL, events through BullMQ',
    needs: { postgres: true, redis: true },
    async start(cleanups) {
      const monolith = await startProcessHost({ env: { ...fast, DATABASE_URL: await scratch(cleanups), REDIS_URL: redisUrl as string, REDIS_PREFIX: redisPrefix() } });
      return { entry: monolith.url, processes: [monolith] };
    },
  },
  // On Node the two sides know each other's address; on Deno they find each other through the registry.
  ...(['node', 'deno'] as const).map((runtime): Topology => ({
    name: `inventory extracted on ${runtime}: its own process and database, HTTP calls, BullMQ events${runtime === 'deno' ? ', discovery' : ''}`,
    needs: { postgres: true, redis: true },
    async start(cleanups) {
      const [monolithPort, inventoryPort] = [await freePort(), await freePort()];
      const shared = { ...fast, REDIS_URL: redisUrl as string, REDIS_PREFIX: redisPrefix() };
      const address = (module: string, port: number) => (runtime === 'deno' ? `${module}=discover` : `${module}=http://127.0.0.1:${port}`);
      const [monolithDb, inventoryDb] = [await scratch(cleanups), await scratch(cleanups)];
      const [monolith, inventory] = await Promise.all([
        startProcessHost({ port: monolithPort, env: { ...shared, MODULES: 'catalog', DATABASE_URL: monolithDb, REMOTE_MODULES: address('inventory', inventoryPort) } }),
        startProcessHost({
          entry: 'apps/extracted/inventory/main.ts',
          runtime,
          port: inventoryPort,
          env: { ...shared, DATABASE_URL: inventoryDb, REMOTE_MODULES: address('catalog', monolithPort) },
        }),
      ]);
      return { entry: monolith.url, processes: [monolith, inventory] };
    },
  })),
];

describe.each(topologies)('journey: $name', (topology) => {
  const missing = (topology.needs.postgres && !postgresUrl) || (topology.needs.redis && !redisUrl);
  const cleanups: (() => Promise<void>)[] = [];
  let entry = '';
  let processes: ProcessHost[] = [];

  beforeAll(async () => {
    if (missing) return;
    ({ entry, processes } = await topology.start(cleanups));
  });
  afterAll(async () => {
    for (const p of processes) await p.stop();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const json = (method: string, path: string, body?: unknown) =>
    fetch(`${entry}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  it.skipIf(missing)('create product → stock appears → receive → reserve → release, all through the monolith', async () => {
    const created = await json('POST', '/catalog/v1/products', { sku: `J-${randomUUID().slice(0, 8)}`, name: 'Journey', price: { amount: 990, currency: 'EUR' } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await eventually(async () => expect((await json('GET', `/inventory/v1/stock/${id}`)).status).toBe(200), 15_000);
    expect((await json('POST', `/inventory/v1/stock/${id}/receipts`, { quantity: 4 })).status).toBe(200);
    const reservationId = randomUUID();
    const reserved = await json('PUT', `/inventory/v1/reservations/${reservationId}`, { productId: id, quantity: 3 });
    expect(reserved.status).toBe(201);
    expect(await (await json('GET', `/inventory/v1/stock/${id}`)).json()).toMatchObject({ onHand: 4, reserved: 3, available: 1 });
    const short = await json('PUT', `/inventory/v1/reservations/${randomUUID()}`, { productId: id, quantity: 2 });
    expect(short.status).toBe(409);
    expect(short.headers.get('content-type')).toBe('application/problem+json');
    expect((await json('POST', `/inventory/v1/reservations/${reservationId}/release`)).status).toBe(200);
    expect(await (await json('GET', `/inventory/v1/stock/${id}`)).json()).toMatchObject({ reserved: 0, available: 4 });
  });

  it.skipIf(missing)('/registry shows where each module runs and that contracts match', async () => {
    const catalog = (await (await json('GET', '/registry')).json()) as { local: { module: string }[]; registry: { enabled: boolean; instances: { module: string; contractMatches: boolean }[] } };
    if (!catalog.registry.enabled) return expect(topology.needs.redis).toBe(false);
    await eventually(async () => {
      const now = (await (await json('GET', '/registry')).json()) as typeof catalog;
      expect(now.registry.instances.map((i) => i.module).sort()).toEqual(processes.length === 2 ? ['catalog', 'inventory'] : ['catalog', 'inventory']);
      expect(now.registry.instances.every((i) => i.contractMatches)).toBe(true);
    });
  });

  it.skipIf(missing)('the public OpenAPI document lists every module wherever it runs', async () => {
    const doc = (await (await json('GET', '/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/catalog/v1/products', '/inventory/v1/stock/{productId}']));
    expect((await json('GET', '/inventory/openapi.json')).status).toBe(200);
  });
});
