import postgres from 'postgres';
import { queueCounts, type QueueCounts, type QueueScope } from './queues.ts';

/** What the databases and the broker hold at the end of a run: the only evidence the verdict rests on. */
export interface Measurement {
  /** Rows in catalog.products with the run's SKU prefix. */
  products: number;
  /** Their `catalog.product-created` outbox rows. */
  createdEvents: number;
  /** Stock items whose product id and SKU are a product's. */
  stockItems: number;
  /** Products without a stock item, or whose stock item has another SKU. */
  stockMissing: number;
  /** Stock items of no product (would mean an event of nothing, or a wrong id). */
  stockOrphans: number;
  /** Rows in probe.effects: one per handling, so a duplicate delivery past the inbox would show. */
  probeEffects: number;
  /** Products whose created event left no probe effect. */
  probeMissing: number;
  /** Probe effects beyond the first of an event. */
  probeDuplicated: number;
  /** Outbox rows of catalog not marked dispatched. */
  outboxPending: number;
  queues: Record<'inventory' | 'probe', QueueCounts>;
  /** Dead letters of each consumer, all and still pending. */
  deadLetters: Record<'inventory' | 'probe', { total: number; pending: number }>;
  /**
   * Of the products missing a stock item or a probe effect, those whose event waits in that consumer's dead letters
   * (not replayed yet): held, not lost. The rest are unaccounted for: no effect and nothing to replay.
   */
  heldInDeadLetters: number;
}

export interface CheckScope {
  databases: { catalog: string; inventory: string; probe: string };
  queues: QueueScope;
  skuPrefix: string;
}

async function query<T extends object>(url: string, run: (sql: postgres.Sql) => Promise<T[]>): Promise<T[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await run(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Reads every database and queue of the run and counts products, stock items, effects and what is left over. */
export async function measure(scope: CheckScope): Promise<Measurement> {
  const { databases } = scope;
  const like = `${scope.skuPrefix}-%`;
  const [products, created, pending, stock, effects, inventoryLetters, probeLetters, inventoryHeld, probeHeld, inventoryQueues, probeQueues] =
    await Promise.all([
      query(databases.catalog, (sql) => sql<{ id: string; sku: string }[]>`select id, sku from catalog.products where sku like ${like}`),
      query(
        databases.catalog,
        (sql) =>
          sql<{ productId: string }[]>`select envelope->'payload'->>'productId' as "productId" from catalog.outbox where name = 'catalog.product-created'`,
      ),
      query(databases.catalog, (sql) => sql<{ n: number }[]>`select count(*)::int as n from catalog.outbox where dispatched_at is null`),
      query(databases.inventory, (sql) => sql<{ productId: string; sku: string }[]>`select product_id as "productId", sku from inventory.stock_items`),
      query(
        databases.probe,
        (sql) => sql<{ productId: string; n: number }[]>`select product_id as "productId", count(*)::int as n from probe.effects group by 1`,
      ),
      letters(databases.inventory, 'inventory'),
      letters(databases.probe, 'probe'),
      heldProducts(databases.inventory, 'inventory'),
      heldProducts(databases.probe, 'probe'),
      queueCounts(scope.queues, 'inventory'),
      queueCounts(scope.queues, 'probe'),
    ]);
  const skuOf = new Map(products.map((p) => [p.id, p.sku]));
  const stockSku = new Map(stock.map((s) => [s.productId, s.sku]));
  const effectsOf = new Map(effects.map((e) => [e.productId, e.n]));
  const createdFor = new Set(created.map((c) => c.productId));
  let stockItems = 0;
  let probeMissing = 0;
  let probeDuplicated = 0;
  let heldInDeadLetters = 0;
  for (const [id, sku] of skuOf) {
    if (stockSku.get(id) === sku) stockItems += 1;
    else if (inventoryHeld.has(id)) heldInDeadLetters += 1;
    const n = effectsOf.get(id) ?? 0;
    if (n === 0) probeMissing += 1;
    if (n === 0 && probeHeld.has(id)) heldInDeadLetters += 1;
    probeDuplicated += Math.max(0, n - 1);
  }
  return {
    products: products.length,
    createdEvents: [...skuOf.keys()].filter((id) => createdFor.has(id)).length,
    stockItems,
    stockMissing: products.length - stockItems,
    stockOrphans: stock.filter((s) => !skuOf.has(s.productId)).length,
    probeEffects: effects.reduce((sum, e) => sum + e.n, 0),
    probeMissing,
    probeDuplicated,
    outboxPending: pending[0]?.n ?? 0,
    queues: { inventory: inventoryQueues, probe: probeQueues },
    deadLetters: { inventory: inventoryLetters, probe: probeLetters },
    heldInDeadLetters,
  };
}

/** Product ids of the `catalog.product-created` events waiting in a consumer's dead letters. */
async function heldProducts(url: string, schema: 'inventory' | 'probe'): Promise<Set<string>> {
  const rows = await query(url, (sql) =>
    sql.unsafe<{ productId: string }[]>(
      `select envelope->'payload'->>'productId' as "productId" from ${schema}.dead_letters where replayed_at is null and event_name = 'catalog.product-created'`,
    ),
  );
  return new Set(rows.map((r) => r.productId));
}

async function letters(url: string, schema: 'inventory' | 'probe'): Promise<{ total: number; pending: number }> {
  const [row] = await query(url, (sql) =>
    sql.unsafe<{ total: number; pending: number }[]>(
      `select count(*)::int as total, (count(*) filter (where replayed_at is null))::int as pending from ${schema}.dead_letters`,
    ),
  );
  return row ?? { total: 0, pending: 0 };
}

/** Probe effects of one event (the double stall's): exactly one once it is replayed. */
export async function effectsOfEvent(probeDatabase: string, eventId: string): Promise<number> {
  const [row] = await query(probeDatabase, (sql) => sql<{ n: number }[]>`select count(*)::int as n from probe.effects where event_id = ${eventId}`);
  return row?.n ?? 0;
}

/** Events not delivered: products without a stock item, created events without a probe effect. */
export const lost = (m: Measurement) => m.stockMissing + m.probeMissing;
/** Events neither delivered nor waiting in a dead letter: what only an audit and redrive can find. */
export const unaccounted = (m: Measurement) => lost(m) - m.heldInDeadLetters;
/** Effects that happened more than once. */
export const duplicated = (m: Measurement) => m.probeDuplicated + m.stockOrphans;
/** Work left behind: undispatched outbox rows, unfinished or failed jobs, dead letters not replayed. */
export const stuck = (m: Measurement) =>
  m.outboxPending +
  m.queues.inventory.unfinished +
  m.queues.probe.unfinished +
  m.queues.inventory.failed +
  m.queues.probe.failed +
  m.deadLetters.inventory.pending +
  m.deadLetters.probe.pending;

/**
 * Waits until the pipeline is quiet: the outbox dispatched, no job waiting or running, and the counts unchanged over
 * two polls. Gives up after `timeoutMs` and returns the last measurement either way.
 */
export async function waitUntilQuiet(scope: CheckScope, timeoutMs: number): Promise<{ quiet: boolean; measurement: Measurement }> {
  const deadline = Date.now() + timeoutMs;
  let previous = '';
  let calm = 0;
  for (;;) {
    const m = await measure(scope).catch(() => undefined);
    if (m) {
      const busy = m.outboxPending + m.queues.inventory.unfinished + m.queues.probe.unfinished;
      const signature = `${m.products} ${m.stockItems} ${m.probeEffects} ${m.deadLetters.inventory.total} ${m.deadLetters.probe.total}`;
      calm = busy === 0 && signature === previous ? calm + 1 : 0;
      previous = signature;
      if (calm >= 2) return { quiet: true, measurement: m };
      if (Date.now() > deadline) return { quiet: false, measurement: m };
    } else if (Date.now() > deadline) {
      return { quiet: false, measurement: await measure(scope) };
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
