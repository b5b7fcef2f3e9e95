import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, postgresUrl, redisUrl } from '../support/databases.ts';
import { redisPrefix, startProcessHost, type ProcessHost } from '../support/process-host.ts';
import { servedBy, startLoad, until, type Load } from './load.ts';

const missing = !postgresUrl || !redisUrl;

interface Catalog {
  registry: { instances: { module: string; address: string; health: string; colour: string | null }[] };
}

/**
 * inventory extracted and found through the registry, replaced instance by instance and then switched between a
 * blue and a green side, while real requests (reads, non-idempotent writes, products whose events inventory
 * consumes) go through the monolith without pause.
 */
describe.skipIf(missing)('rolling and blue-green updates of an extracted module (needs TEST_DATABASE_URL and TEST_REDIS_URL)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  const running: ProcessHost[] = [];
  let gateway: ProcessHost;
  let inventoryEnv: Record<string, string>;
  let sql: postgres.Sql;
  let token = '';
  let productId = '';

  const instance = async (colour: string) => {
    const host = await startProcessHost({ entry: 'apps/extracted/inventory/main.ts', env: { ...inventoryEnv, DEPLOYMENT_COLOUR: colour } });
    running.push(host);
    return host;
  };
  const registered = async () => ((await (await gateway.fetch('/registry')).json()) as Catalog).registry.instances.filter((i) => i.module === 'inventory');
  const stock = async () => (await (await gateway.fetch(`/inventory/v1/stock/${productId}`)).json()) as { onHand: number };
  /** Reads, receipts (not idempotent: never retried by the gateway) and products, whose events inventory consumes. */
  const load = (phase: () => number, counts: { receipts: number; products: string[] }): Load =>
    startLoad({
      gateways: [gateway.url],
      token,
      concurrency: 6,
      phase,
      plan: (n) =>
        n % 10 < 6
          ? { op: 'read', path: `/inventory/v1/stock/${productId}`, expect: 200 }
          : n % 10 < 8
            ? {
                op: 'receive',
                path: `/inventory/v1/stock/${productId}/receipts`,
                method: 'POST',
                body: { quantity: 1 },
                expect: 200,
                onOk: () => (counts.receipts += 1),
              }
            : {
                op: 'create',
                path: '/catalog/v1/products',
                method: 'POST',
                body: { sku: `R-${randomUUID().slice(0, 12)}`, name: 'Roll', price: { amount: 5, currency: 'EUR' } },
                expect: 201,
                onOk: (body) => counts.products.push((body as { id: string }).id),
              },
    });

  beforeAll(async () => {
    const [monolithDb, inventoryDb] = [await createScratchDatabase(postgresUrl as string), await createScratchDatabase(postgresUrl as string)];
    cleanups.push(monolithDb.drop, inventoryDb.drop);
    sql = postgres(inventoryDb.url, { max: 2, onnotice: () => {} });
    cleanups.push(() => sql.end());
    const shared = { REDIS_URL: redisUrl as string, REDIS_PREFIX: redisPrefix(), REQUEST_LOG: 'all', REGISTRY_HEARTBEAT_MS: '500', EVENT_RETRY_BASE_MS: '20' };
    // A generous upstream deadline: on a loaded 2-core machine a just-started instance can take seconds to answer.
    gateway = await startProcessHost({
      env: { ...shared, MODULES: 'catalog,identity', DATABASE_URL: monolithDb.url, REGISTRY_TTL_MS: '5000', REMOTE_TIMEOUT_MS: '15000' },
    });
    running.push(gateway);
    // Drained instances keep serving 2 s after leaving the registry: twice the gateway's discovery refresh.
    inventoryEnv = { ...shared, DATABASE_URL: inventoryDb.url, SHUTDOWN_DRAIN_DELAY: '2s', REGISTRY_TTL_MS: '5000' };
    cleanups.push(async () => {
      for (const p of running) await p.stop();
    });
    await Promise.all([instance('blue'), instance('blue')]);
    await until(async () => (await registered()).filter((i) => i.health === 'pass').length === 2, 'two inventory instances registered');
    token = await gateway.token();
    const created = await gateway.fetch('/catalog/v1/products', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: `R-${randomUUID().slice(0, 8)}`, name: 'Rolling', price: { amount: 100, currency: 'EUR' } }),
    });
    productId = ((await created.json()) as { id: string }).id;
    await until(async () => (await gateway.fetch(`/inventory/v1/stock/${productId}`)).status === 200, 'the stock item');
  }, 240_000);
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('replaces every instance under load: new ones register first, old ones drain and leave the registry before they exit; no failed request, every event handled once', async () => {
    const old = running.slice(1, 3);
    const counts = { receipts: 0, products: [] as string[] };
    const before = await stock();
    let phase = 0;
    const traffic = load(() => phase, counts);
    const fresh: ProcessHost[] = [];
    try {
      for (const leaving of old) {
        await until(() => traffic.records.length > 100 * (fresh.length + 1), 'traffic before the next step');
        const next = await instance('blue');
        fresh.push(next);
        // The new instance is registered and passing before the old one goes.
        await until(async () => (await registered()).some((i) => i.address === next.url && i.health === 'pass'), 'the new instance to register');
        const exit = await leaving.terminate();
        expect(exit).toEqual({ code: 0, signal: null });
        // Deregistered by the instance itself (its entry would otherwise live on for REGISTRY_TTL_MS).
        expect((await registered()).map((i) => i.address)).not.toContain(leaving.url);
        const log = leaving.output();
        expect(log.indexOf('left the service registry')).toBeGreaterThan(log.indexOf('shutting down'));
      }
      phase = 1;
      await until(() => traffic.within(1).length > 100, 'traffic on the new instances alone');
    } finally {
      await traffic.stop();
    }

    expect(traffic.records.filter((r) => !r.ok)).toEqual([]);
    const served = traffic.records.filter((r) => r.op !== 'create');
    await until(() => served.every((r) => [...old, ...fresh].some((p) => servedBy(p).has(r.id))), 'every request in an instance log', 30_000);
    // Both generations served, and after the roll only the new one.
    for (const p of [...old, ...fresh]) expect(served.some((r) => servedBy(p).has(r.id))).toBe(true);
    expect(traffic.within(1).filter((r) => r.op !== 'create' && old.some((p) => servedBy(p).has(r.id)))).toEqual([]);
    expect((await stock()).onHand).toBe(before.onHand + counts.receipts);

    // Version skew: old and new consumers shared inventory's queue during the roll. Every product-created event is
    // handled exactly once, by one side or the other (its effect logged once, one inbox row), none dead-lettered.
    expect(counts.products.length).toBeGreaterThan(10);
    const effects = (id: string) =>
      [...old, ...fresh].flatMap((p) =>
        p
          .output()
          .split('\n')
          .filter((l) => l.includes('stock item created') && l.includes(id)),
      ).length;
    await until(() => counts.products.every((id) => effects(id) >= 1), 'every product-created event to be handled', 120_000);
    expect(counts.products.filter((id) => effects(id) !== 1)).toEqual([]);
    const items = await sql<{ n: string }[]>`select count(*) as n from inventory.stock_items where product_id = any(${counts.products})`;
    expect(Number(items[0]?.n)).toBe(counts.products.length);
    expect(await sql`select event_id, consumer from inventory.inbox group by event_id, consumer having count(*) > 1`).toEqual([]);
    expect(await sql`select id from inventory.dead_letters`).toEqual([]);
  }, 600_000);

  it('switches the gateway from blue to green once green is healthy, and back, under load with no failed request', async () => {
    const blue = running.slice(3);
    const counts = { receipts: 0, products: [] as string[] };
    const select = async (colour: string | null) =>
      gateway.fetch('/ops/rollouts/inventory', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weight: 0, colour }) });
    // Green is not up yet: the switch is refused.
    expect(await (await select('green')).json()).toMatchObject({ status: 409, code: 'rollout/colour-not-ready' });
    expect((await select('blue')).status).toBe(200);
    let phase = 0;
    const traffic = load(() => phase, counts);
    let green: ProcessHost | undefined;
    try {
      await until(() => traffic.records.length > 100, 'traffic on blue');
      const started = await instance('green');
      green = started;
      // /registry shows each instance's colour.
      await until(async () => (await registered()).some((i) => i.address === started.url && i.health === 'pass' && i.colour === 'green'), 'green to register');
      await until(() => traffic.records.length > 200, 'more traffic on blue while green is up');
      // Requests in flight while a switch is made count for no phase.
      phase = -1;
      expect((await select('green')).status).toBe(200);
      phase = 1;
      await until(() => traffic.within(1).length > 150, 'traffic on green');
      phase = -1;
      expect((await select('blue')).status).toBe(200);
      phase = 2;
      await until(() => traffic.within(2).length > 150, 'traffic back on blue');
    } finally {
      await traffic.stop();
    }
    expect(traffic.records.filter((r) => !r.ok)).toEqual([]);
    const greenHost = green as ProcessHost;
    const all = [...blue, greenHost];
    const served = traffic.records.filter((r) => r.op !== 'create');
    await until(() => served.every((r) => all.some((p) => servedBy(p).has(r.id))), 'every request in an instance log', 30_000);
    const onGreen = (r: { id: string }) => servedBy(greenHost).has(r.id);
    const requests = (p: number) => traffic.within(p).filter((r) => r.op !== 'create');
    expect(requests(0).filter(onGreen)).toEqual([]);
    expect(requests(1).filter((r) => !onGreen(r))).toEqual([]);
    expect(requests(2).filter(onGreen)).toEqual([]);
    // The gateway applied the setting it was given, which the trail of the host recorded.
    const trail = (await (await gateway.fetch('/ops/audit/entries?module=identity&action=platform.rollout-changed')).json()) as {
      items: { detail: { after: { colour: string | null } } }[];
    };
    expect(trail.items.slice(0, 3).map((e) => e.detail.after.colour)).toEqual(['blue', 'green', 'blue']);
  }, 600_000);
});
