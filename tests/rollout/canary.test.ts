import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, postgresUrl, redisUrl } from '../support/databases.ts';
import { redisPrefix, startProcessHost, type ProcessHost } from '../support/process-host.ts';
import { expectBinomial, servedBy, startLoad, until } from './load.ts';

const missing = !postgresUrl || !redisUrl;

/**
 * Strangler fig, for real: two gateway replicas serve every module (inventory included) and canary inventory to its
 * extracted deployment; all three processes use one database (so inventory has one set of tables and one inbox) and
 * one Redis (weights, registry, queues).
 */
describe.skipIf(missing)('canary: a share of a module served here goes to its extracted deployment (needs TEST_DATABASE_URL and TEST_REDIS_URL)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  let gateways: ProcessHost[] = [];
  let extracted: ProcessHost;
  let sql: postgres.Sql;
  let token = '';
  let productId = '';

  const rollout = (host: ProcessHost, body: unknown, module = 'inventory') =>
    host.fetch(`/ops/rollouts/${module}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const applied = async (host: ProcessHost) => (await (await host.fetch('/ops/rollouts/inventory')).json()) as { weight: number; sticky: boolean };
  const get = (host: ProcessHost, id: string, headers: Record<string, string> = {}) =>
    fetch(`${host.url}/inventory/v1/stock/${productId}`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': id, ...headers } });
  /**
   * The request ids the extracted deployment served, once its log has caught up: a last request forced onto it is
   * logged after every request before it.
   */
  const canaryServed = async () => {
    const marker = randomUUID();
    expect((await get(gateways[0] as ProcessHost, marker, { 'x-cleave-canary': 'always' })).status).toBe(200);
    await until(() => servedBy(extracted).has(marker), 'the canary log to catch up', 30_000);
    return servedBy(extracted);
  };
  /** Sets a rollout through one replica and waits until every replica applies it. */
  const setEverywhere = async (via: ProcessHost, body: { weight: number; sticky?: boolean }) => {
    expect((await rollout(via, body)).status).toBe(200);
    for (const g of gateways)
      await until(
        async () => (await applied(g)).weight === body.weight && (await applied(g)).sticky === (body.sticky ?? false),
        'replicas to apply the weight',
        30_000,
      );
  };

  beforeAll(async () => {
    const db = await createScratchDatabase(postgresUrl as string);
    cleanups.push(db.drop);
    sql = postgres(db.url, { max: 2, onnotice: () => {} });
    cleanups.push(() => sql.end());
    const shared = {
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl as string,
      REDIS_PREFIX: redisPrefix(),
      REQUEST_LOG: 'all',
      REGISTRY_HEARTBEAT_MS: '500',
      EVENT_RETRY_BASE_MS: '20',
      OUTBOX_SWEEP_MS: '200',
    };
    // A generous upstream deadline: on a loaded 2-core machine the canary can take seconds to answer.
    const gatewayEnv = { ...shared, CANARY_MODULES: 'inventory=discover', CANARY_STICKY_KEY: 'header:x-session', REMOTE_TIMEOUT_MS: '15000' };
    // The first gateway migrates the one database; the others then start on it.
    gateways = [await startProcessHost({ env: gatewayEnv })];
    const [second, inventory] = await Promise.all([
      startProcessHost({ env: gatewayEnv }),
      startProcessHost({ entry: 'apps/extracted/inventory/main.ts', env: shared }),
    ]);
    gateways.push(second as ProcessHost);
    extracted = inventory as ProcessHost;
    cleanups.push(async () => {
      for (const p of [...gateways, extracted]) await p.stop();
    });
    token = await (gateways[0] as ProcessHost).token();
    const created = await (gateways[0] as ProcessHost).fetch('/catalog/v1/products', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: `C-${randomUUID().slice(0, 8)}`, name: 'Canary', price: { amount: 100, currency: 'EUR' } }),
    });
    productId = ((await created.json()) as { id: string }).id;
    await until(async () => (await get(gateways[0] as ProcessHost, randomUUID())).status === 200, 'the stock item');
    // Both gateways see the extracted instance in the registry before the weights move: one of the requests forced
    // onto the canary through a gateway shows in the extracted deployment's access log (which is written in batches,
    // up to 100 ms after the response, so not necessarily before the request that is being checked returns).
    for (const g of gateways) {
      const sent: string[] = [];
      await until(async () => {
        const id = randomUUID();
        sent.push(id);
        await get(g, id, { 'x-cleave-canary': 'always' });
        const served = servedBy(extracted);
        return sent.some((s) => served.has(s));
      }, 'the extracted inventory to be discovered');
    }
  }, 240_000);
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('moves the weight 0 → 10 → 50 → 100 → 0 under load: the split within binomial bounds, no failed request, one store', async () => {
    const weights = [0, 10, 50, 100, 0];
    const perPhase = 300;
    let phase = -1;
    let receipts = 0;
    const products: string[] = [];
    const before = (await (await get(gateways[0] as ProcessHost, randomUUID())).json()) as { onHand: number };
    const load = startLoad({
      gateways: gateways.map((g) => g.url),
      token,
      concurrency: 6,
      phase: () => phase,
      plan: (n) =>
        n % 10 < 7
          ? { op: 'read', path: `/inventory/v1/stock/${productId}`, expect: 200 }
          : n % 10 < 9
            ? {
                op: 'receive',
                path: `/inventory/v1/stock/${productId}/receipts`,
                method: 'POST',
                body: { quantity: 1 },
                expect: 200,
                onOk: () => (receipts += 1),
              }
            : {
                op: 'create',
                path: '/catalog/v1/products',
                method: 'POST',
                body: { sku: `L-${randomUUID().slice(0, 12)}`, name: 'Load', price: { amount: 5, currency: 'EUR' } },
                expect: 201,
                onOk: (body) => products.push((body as { id: string }).id),
              },
    });
    try {
      for (const [i, weight] of weights.entries()) {
        // Any replica takes the change; every replica applies it. Requests in flight meanwhile count for no phase.
        phase = -1;
        await setEverywhere(gateways[i % 2] as ProcessHost, { weight });
        phase = i;
        await until(() => load.within(i, 'read').length + load.within(i, 'receive').length >= perPhase, `${perPhase} requests at weight ${weight}`);
      }
    } finally {
      phase = weights.length;
      await load.stop();
    }

    expect(load.records.filter((r) => !r.ok)).toEqual([]);
    const canary = await canaryServed();
    for (const [i, weight] of weights.entries()) {
      const inventory = [...load.within(i, 'read'), ...load.within(i, 'receive')];
      expectBinomial(inventory.filter((r) => canary.has(r.id)).length, inventory.length, weight / 100, `weight ${weight}`);
    }
    // Product creation is catalog's, never split.
    expect(load.records.filter((r) => r.op === 'create' && canary.has(r.id))).toEqual([]);
    // Every receipt, wherever it was served, landed in the one inventory store.
    const after = (await (await get(gateways[0] as ProcessHost, randomUUID())).json()) as { onHand: number };
    expect(after.onHand).toBe(before.onHand + receipts);
    // Each product created during the roll got its stock item, its event handled exactly once by one of the three
    // inventory consumers (two gateways, the canary), which share one queue and one inbox.
    expect(products.length).toBeGreaterThan(0);
    await until(async () => {
      const [row] = await sql<{ handled: string }[]>`
        select count(*) as handled from inventory.inbox i join catalog.outbox o on o.id = i.event_id
        where i.consumer = 'inventory:create-stock-item' and o.envelope->'payload'->>'productId' = any(${products})`;
      return Number(row?.handled) === products.length;
    }, 'every product-created event to be handled');
    const items = await sql<{ n: string }[]>`select count(*) as n from inventory.stock_items where product_id = any(${products})`;
    expect(Number(items[0]?.n)).toBe(products.length);
    const duplicates = await sql`select event_id from inventory.inbox group by event_id, consumer having count(*) > 1`;
    expect(duplicates).toEqual([]);
  }, 600_000);

  it('keeps a sticky client on one side, and the cohort header overrides the weight', async () => {
    const gateway = gateways[1] as ProcessHost;
    await setEverywhere(gateways[0] as ProcessHost, { weight: 50, sticky: true });
    const sent: [string, string][] = [];
    for (let s = 0; s < 30; s += 1) {
      for (let r = 0; r < 4; r += 1) {
        const id = randomUUID();
        expect((await get(gateways[r % 2] as ProcessHost, id, { 'x-session': `session-${s}` })).status).toBe(200);
        sent.push([`session-${s}`, id]);
      }
    }
    const served = await canaryServed();
    const sides = new Map<string, Set<boolean>>();
    for (const [session, id] of sent) sides.set(session, (sides.get(session) ?? new Set()).add(served.has(id)));
    expect([...sides.values()].every((s) => s.size === 1)).toBe(true);
    // 30 clients at 50 %: all on one side would happen once in 2^29 runs.
    expect(new Set([...sides.values()].map((s) => [...s][0]))).toEqual(new Set([true, false]));

    await setEverywhere(gateway, { weight: 0 });
    const always = randomUUID();
    expect((await get(gateway, always, { 'x-cleave-canary': 'always' })).status).toBe(200);
    await setEverywhere(gateway, { weight: 100 });
    const never = randomUUID();
    const routed = randomUUID();
    expect((await get(gateway, never, { 'x-cleave-canary': 'never' })).status).toBe(200);
    expect((await get(gateway, routed)).status).toBe(200);
    await setEverywhere(gateway, { weight: 0 });
    const canary = await canaryServed();
    expect([canary.has(always), canary.has(never), canary.has(routed)]).toEqual([true, false, true]);
  }, 180_000);

  it('answers a bad setting with a problem, and records every change in the audit trail', async () => {
    const gateway = gateways[0] as ProcessHost;
    const tooMuch = await rollout(gateway, { weight: 150 });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.headers.get('content-type')).toBe('application/problem+json');
    expect(await tooMuch.json()).toMatchObject({ code: 'http/validation-failed', errors: [expect.objectContaining({ path: 'weight' })] });
    expect(await (await rollout(gateway, { weight: 10 }, 'catalog')).json()).toMatchObject({ status: 404, code: 'rollout/unknown-module' });
    // A name an object's prototype has is no module (it once passed an `in` check and went on to store a setting).
    expect(await (await rollout(gateway, { weight: 10 }, 'constructor')).json()).toMatchObject({ status: 404, code: 'rollout/unknown-module' });
    expect(await (await rollout(gateway, { weight: 10, colour: 'green' })).json()).toMatchObject({ status: 409, code: 'rollout/colour-not-ready' });
    const unauthenticated = await gateway.fetch('/ops/rollouts/inventory', { headers: { authorization: '' } });
    expect(unauthenticated.status).toBe(401);

    expect((await rollout(gateway, { weight: 25, sticky: true })).status).toBe(200);
    const trail = (await (await gateway.fetch('/ops/audit/entries?module=inventory&action=platform.rollout-changed')).json()) as {
      items: { target: string; outcome: string; actorClient: string | null; detail: { after: { weight: number } } }[];
    };
    expect(trail.items[0]).toMatchObject({ target: 'inventory', outcome: 'success', detail: { after: { weight: 25, sticky: true, colour: null } } });
    expect(trail.items[0]?.actorClient).toBeTruthy();
    // Each weight of the load test was recorded too.
    expect(trail.items.map((e) => e.detail.after.weight)).toEqual(expect.arrayContaining([25, 0, 100, 50, 10]));
    await setEverywhere(gateway, { weight: 0 });
  }, 120_000);
});
