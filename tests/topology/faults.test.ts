import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { eventTables } from '../../platform/events/index.ts';
import { createHost, type Host } from '../../platform/host/index.ts';
import { redisUrl } from '../support/databases.ts';
import { freePort, redisPrefix, startProcessHost } from '../support/process-host.ts';
import { redisServerAvailable, startRedisServer } from '../support/redis-server.ts';
import { call, eventually, testConfig, testLogger } from '../support/test-host.ts';
import { adminToken } from '../support/tokens.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A host of the modules `env` names, with identity beside them (protected routes need its tokens). */
async function host(env: Record<string, string>): Promise<Host> {
  const withIdentity = env.MODULES ? { ...env, MODULES: `${env.MODULES},identity` } : env;
  const h = await createHost({ config: testConfig({ DATA_DIR: 'memory', ...withIdentity }), modules, logger: testLogger() });
  cleanups.push(() => h.stop());
  return h;
}

const receive = (h: Host) => call(h, 'POST', `/inventory/v1/stock/${randomUUID()}/receipts`, { quantity: 1 });

// Each test starts a host, and the first a second process: on a loaded 2-core machine that alone can take 25 s.
describe.skipIf(!redisUrl)('a remote module that is down', { timeout: 120_000 }, () => {
  it('fails with 503 naming it, then fast once the breaker opens, and recovers when it returns', async () => {
    const port = await freePort();
    const prefix = redisPrefix();
    const inventory = await host({
      MODULES: 'inventory',
      REMOTE_MODULES: `catalog=http://127.0.0.1:${port}`,
      REDIS_URL: redisUrl as string,
      REDIS_PREFIX: prefix,
      REMOTE_RETRIES: '0',
      REMOTE_BREAKER_FAILURES: '2',
      REMOTE_BREAKER_RESET_MS: '500',
    });
    const before = (await (await call(inventory, 'GET', '/registry')).json()) as { breakers: Record<string, { breaker: string }> };
    expect(before.breakers.catalog).toMatchObject({ breaker: 'closed' });
    for (let i = 0; i < 2; i++) {
      const response = await receive(inventory);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      // REMOTE_BREAKER_RESET_MS=500: try again in a second.
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.json()).toMatchObject({ code: 'http/upstream-unavailable', module: 'catalog' });
    }
    const open = await receive(inventory);
    expect(open.status).toBe(503);
    expect(open.headers.get('retry-after')).toBe('1');
    expect(await open.json()).toMatchObject({ code: 'http/circuit-open', module: 'catalog' });
    const registry = (await (await call(inventory, 'GET', '/registry')).json()) as { breakers: Record<string, { breaker: string }> };
    expect(registry.breakers.catalog?.breaker).toBe('open');

    const catalog = await startProcessHost({ port, env: { MODULES: 'catalog', REDIS_URL: redisUrl as string, REDIS_PREFIX: prefix } });
    cleanups.push(() => catalog.stop());
    // Catalog answers again: the unknown product is now catalog's own 404, not an upstream failure.
    await eventually(async () => {
      const response = await receive(inventory);
      expect(await response.json()).toMatchObject({ code: 'catalog/product-not-found', module: 'catalog' });
    }, 5000);
  });

  it('through the gateway, requests for it get 503 problem+json naming it', async () => {
    const monolith = await host({
      MODULES: 'catalog',
      REMOTE_MODULES: `inventory=http://127.0.0.1:${await freePort()}`,
      REDIS_URL: redisUrl as string,
      REDIS_PREFIX: redisPrefix(),
    });
    for (let i = 0; i < 5; i++) {
      const response = await call(monolith, 'GET', `/inventory/v1/stock/${randomUUID()}`);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).not.toBeNull();
      expect(await response.json()).toMatchObject({ code: 'http/upstream-unavailable', module: 'inventory' });
    }
    // REMOTE_BREAKER_FAILURES defaults to 5: the gateway's failures opened the breaker module calls obey too.
    const registry = (await (await call(monolith, 'GET', '/registry')).json()) as { breakers: Record<string, { breaker: string }> };
    expect(registry.breakers.inventory).toMatchObject({ breaker: 'open' });
    const open = await call(monolith, 'GET', `/inventory/v1/stock/${randomUUID()}`);
    expect(await open.json()).toMatchObject({ code: 'http/circuit-open', module: 'inventory' });
    expect((await call(monolith, 'GET', '/catalog/v1/products')).status).toBe(200);
  });
});

describe.skipIf(!redisUrl)('a remote module that is slow', { timeout: 120_000 }, () => {
  it('times out with 504 naming it instead of hanging, for calls and for the gateway', async () => {
    const slow: Server = createServer((_req, res) => void setTimeout(() => res.end('{}'), 2000));
    const port = await freePort();
    await new Promise<void>((r) => slow.listen(port, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => slow.close(() => r())));
    slow.unref();
    const inventory = await host({
      MODULES: 'inventory',
      REMOTE_MODULES: `catalog=http://127.0.0.1:${port}`,
      REDIS_URL: redisUrl as string,
      REDIS_PREFIX: redisPrefix(),
      REMOTE_TIMEOUT_MS: '200',
      REMOTE_RETRIES: '0',
    });
    const viaClient = await receive(inventory);
    expect(viaClient.status).toBe(504);
    expect(await viaClient.json()).toMatchObject({ code: 'http/upstream-timeout', module: 'catalog' });
    const viaGateway = await call(inventory, 'GET', '/catalog/v1/products');
    expect(viaGateway.status).toBe(504);
    expect(await viaGateway.json()).toMatchObject({ code: 'http/upstream-timeout', module: 'catalog' });
  });
});

describe.skipIf(!redisUrl)('a write the gateway gave up on', { timeout: 180_000 }, () => {
  it('may still happen; the same Idempotency-Key then returns its answer and applies it once', async () => {
    const [monolithPort, inventoryPort] = [await freePort(), await freePort()];
    const shared = { REDIS_URL: redisUrl as string, REDIS_PREFIX: redisPrefix(), EVENT_RETRY_BASE_MS: '20', OUTBOX_SWEEP_MS: '200' };
    const [monolith, inventory] = await Promise.all([
      startProcessHost({
        port: monolithPort,
        env: { ...shared, MODULES: 'catalog,identity', REMOTE_MODULES: `inventory=http://127.0.0.1:${inventoryPort}`, REMOTE_TIMEOUT_MS: '1000' },
      }),
      startProcessHost({
        entry: 'apps/extracted/inventory/main.ts',
        port: inventoryPort,
        env: { ...shared, REMOTE_MODULES: `catalog=http://127.0.0.1:${monolithPort},identity=http://127.0.0.1:${monolithPort}` },
      }),
    ]);
    cleanups.push(
      () => monolith.stop(),
      async () => {
        // A test that failed between SIGSTOP and SIGCONT leaves it stopped: SIGTERM alone would wait on it.
        if (inventory.pid !== undefined) process.kill(inventory.pid, 'SIGCONT');
        await inventory.stop();
      },
    );
    const json = { 'content-type': 'application/json' };
    const created = await monolith.fetch('/catalog/v1/products', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ sku: 'LATE-1', name: 'Late receipt', price: { amount: 100, currency: 'EUR' } }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const onHand = async () => {
      const stock = await monolith.fetch(`/inventory/v1/stock/${id}`);
      expect(stock.status).toBe(200);
      return ((await stock.json()) as { onHand: number }).onHand;
    };
    await eventually(async () => expect(await onHand()).toBe(0), 60_000);
    const key = randomUUID();
    const receive = () =>
      monolith.fetch(`/inventory/v1/stock/${id}/receipts`, {
        method: 'POST',
        headers: { ...json, 'idempotency-key': key },
        body: JSON.stringify({ quantity: 5 }),
      });

    // Inventory stops answering (SIGSTOP: the request sits in its socket), the gateway gives up: 504, outcome unknown.
    process.kill(inventory.pid as number, 'SIGSTOP');
    const timedOut = await receive();
    expect(timedOut.status).toBe(504);
    expect(await timedOut.json()).toMatchObject({ code: 'http/upstream-timeout', module: 'inventory' });
    process.kill(inventory.pid as number, 'SIGCONT');

    // It did happen once inventory ran again; the retry gets its stored answer (409 while it still ran), not a second receipt.
    const replayed = await eventually(async () => {
      const retry = await receive();
      expect(retry.status).toBe(200);
      return retry;
    }, 30_000);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(await onHand()).toBe(5);
    expect((await receive()).status).toBe(200);
    expect(await onHand()).toBe(5);
  });
});

describe.skipIf(!redisServerAvailable())('Redis down while the monolith takes writes', { timeout: 120_000 }, () => {
  it('writes succeed, events wait in the outbox and flow when Redis returns, none lost', async () => {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const monolith = await host({ REDIS_URL: redis.url, REGISTRY: 'false', OUTBOX_SWEEP_MS: '100', EVENT_RETRY_MAX_MS: '200' });
    expect(monolith.busKind).toBe('bullmq');
    // The token endpoint's rate limit lives in Redis and fails closed while it is down: take the token first.
    await adminToken(monolith, (p, init) => monolith.app.request(p, init));
    await redis.stop();

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await call(monolith, 'POST', '/catalog/v1/products', { sku: `OUT-${i}`, name: 'During outage', price: { amount: 1, currency: 'EUR' } });
      expect(created.status).toBe(201);
      ids.push(((await created.json()) as { id: string }).id);
    }
    await new Promise((r) => setTimeout(r, 300));
    const catalogDb = monolith.modules.find((m) => m.definition.name === 'catalog')?.context.db;
    const pending = await catalogDb?.select().from(eventTables('catalog').outbox);
    expect(pending?.filter((row) => row.dispatchedAt === null)).toHaveLength(5);
    expect((await call(monolith, 'GET', `/inventory/v1/stock/${ids[0]}`)).status).toBe(404);
    // Ready (writes succeed) with a warning that says why the events wait.
    const dispatchCheck = async () => {
      const ready = await monolith.app.request('/health/ready');
      const body = (await ready.json()) as { checks: { name: string; module?: string; status: string; detail?: string }[] };
      return { status: ready.status, catalog: body.checks.find((c) => c.name === 'event-dispatch' && c.module === 'catalog') };
    };
    const during = await dispatchCheck();
    expect(during.status).toBe(200);
    expect(during.catalog).toMatchObject({ status: 'warn' });
    expect(during.catalog?.detail).toMatch(/the bullmq bus refused \d+ dispatch\(es\) since .*the events wait in the outbox/);

    await redis.start();
    await eventually(async () => {
      const statuses = await Promise.all(ids.map(async (id) => (await call(monolith, 'GET', `/inventory/v1/stock/${id}`)).status));
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
    }, 20_000);
    expect((await dispatchCheck()).catalog).toMatchObject({ status: 'pass', detail: 'no refusal' });
  });
});
