import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createCleaveClient, type CleaveClient, type Schema } from '../../clients/typescript/index.ts';
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

/** The body of a successful call; fails the test with the status and problem otherwise. */
function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) throw new Error(`${result.response.status} ${result.response.url}: ${JSON.stringify(result.error)}`);
  return result.data;
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
      const monolith = await startProcessHost({
        env: { ...fast, DATABASE_URL: await scratch(cleanups), REDIS_URL: redisUrl as string, REDIS_PREFIX: redisPrefix() },
      });
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
        startProcessHost({
          port: monolithPort,
          // Identity stays in the monolith; the extracted inventory verifies its tokens against it.
          env: { ...shared, MODULES: 'catalog,identity', DATABASE_URL: monolithDb, REMOTE_MODULES: address('inventory', inventoryPort) },
        }),
        startProcessHost({
          entry: 'apps/extracted/inventory/main.ts',
          runtime,
          port: inventoryPort,
          env: {
            ...shared,
            DATABASE_URL: inventoryDb,
            REMOTE_MODULES: `${address('catalog', monolithPort)},${address('identity', monolithPort)}`,
          },
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
  // The client generated from the merged OpenAPI document (npm run client), pointed at the monolith.
  let api: CleaveClient;

  beforeAll(async () => {
    if (missing) return;
    ({ entry, processes } = await topology.start(cleanups));
    const monolith = processes[0] as ProcessHost;
    // Every scope, from the identity module in the monolith, renewed as it expires.
    api = createCleaveClient(entry, { token: () => monolith.token() });
  });
  afterAll(async () => {
    for (const p of processes) await p.stop();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const json = (method: string, path: string, body?: unknown) =>
    fetch(`${entry}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  const stock = (productId: string) => api.GET('/inventory/v1/stock/{productId}', { params: { path: { productId } } });

  it.skipIf(missing)('create product → stock appears → receive → reserve → release, all through the monolith', async () => {
    const created = await api.POST('/catalog/v1/products', {
      body: { sku: `J-${randomUUID().slice(0, 8)}`, name: 'Journey', price: { amount: 990, currency: 'EUR' } },
    });
    expect(created.response.status).toBe(201);
    const { id } = ok(created);
    await eventually(async () => expect((await stock(id)).response.status).toBe(200), 15_000);
    expect((await api.POST('/inventory/v1/stock/{productId}/receipts', { params: { path: { productId: id } }, body: { quantity: 4 } })).response.status).toBe(
      200,
    );
    const reservationId = randomUUID();
    const reserved = await api.PUT('/inventory/v1/reservations/{reservationId}', { params: { path: { reservationId } }, body: { productId: id, quantity: 3 } });
    expect(reserved.response.status).toBe(201);
    expect(ok(reserved)).toMatchObject({ id: reservationId, productId: id, quantity: 3, status: 'active' });
    expect(ok(await stock(id))).toMatchObject({ onHand: 4, reserved: 3, available: 1 });
    const short = await api.PUT('/inventory/v1/reservations/{reservationId}', {
      params: { path: { reservationId: randomUUID() } },
      body: { productId: id, quantity: 2 },
    });
    expect(short.response.status).toBe(409);
    expect(short.response.headers.get('content-type')).toBe('application/problem+json');
    // A problem response arrives as `error`, typed by the contract's problem schema; `data` is absent.
    expectTypeOf(short.error).branded.toEqualTypeOf<Schema<'Problem'> | undefined>();
    expect(short.data).toBeUndefined();
    expect(short.error).toMatchObject({ status: 409, code: 'inventory/insufficient-stock' });
    expect((await api.POST('/inventory/v1/reservations/{reservationId}/release', { params: { path: { reservationId } } })).response.status).toBe(200);
    expect(ok(await stock(id))).toMatchObject({ reserved: 0, available: 4 });
  });

  it.skipIf(missing)('a request the types reject is also refused by the server, with a typed validation problem', async () => {
    const unknownProduct = randomUUID();
    const misspelt = await api.POST('/inventory/v1/stock/{productId}/receipts', {
      params: { path: { productId: unknownProduct } },
      // @ts-expect-error ReceiveStock's field is `quantity`: the generated types refuse a misspelling at compile time
      body: { quantiy: 4 },
    });
    expect(misspelt.response.status).toBe(400);
    expect(misspelt.error?.code).toBe('http/validation-failed');
    // The unknown field is reported by its name, beside the field it stands in for.
    expect(misspelt.error?.errors?.map((e) => `${e.location}:${e.path}:${e.code}`).sort()).toEqual(['body:quantity:required', 'body:quantiy:unknown_field']);
    const missingStock = await stock(unknownProduct);
    expect(missingStock.response.status).toBe(404);
    expect(missingStock.error?.code).toBe('inventory/stock-item-not-found');
  });

  it.skipIf(missing)('/registry shows where each module runs and that contracts match', async () => {
    const catalog = ok(await api.GET('/registry'));
    if (!catalog.registry.enabled) return expect(topology.needs.redis).toBe(false);
    await eventually(async () => {
      const now = ok(await api.GET('/registry'));
      expect(now.registry.instances.map((i) => i.module)).toEqual(expect.arrayContaining(['catalog', 'inventory']));
      expect(now.registry.instances.every((i) => i.contractMatches)).toBe(true);
    });
  });

  it.skipIf(missing)('the public OpenAPI document lists every module wherever it runs', async () => {
    const doc = (await (await json('GET', '/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/catalog/v1/products', '/inventory/v1/stock/{productId}']));
    expect((await json('GET', '/inventory/openapi.json')).status).toBe(200);
  });
});
