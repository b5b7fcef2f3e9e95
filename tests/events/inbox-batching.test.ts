import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { productCreatedV1 } from '../../modules/catalog/index.ts';
import type { DatabaseHandle, Tx } from '../../platform/db/index.ts';
import { consumerBatching, createConsumer, eventTables, subscribe, type Consumer, type EventEnvelope } from '../../platform/events/index.ts';
import { testDatabases } from '../support/databases.ts';
import { newKey, openWorld, type World } from '../support/buses/world.ts';
import { effects } from '../support/probe/schema.ts';
import { testLogger } from '../support/test-host.ts';

const log = testLogger();
const probeTables = eventTables('probe');

/**
 * Group commit at the consumer (platform/events/consumer.ts): deliveries that wait while the consumer's transaction
 * runs go together in the next one. Every event must still be handled exactly once, a failing one alone.
 */
describe.each(testDatabases)('inbox batching on $name', (testDatabase) => {
  let database: DatabaseHandle;
  let world: World;
  /** Each handler call: the event and the transaction it ran on. */
  let calls: { eventId: string; tx: Tx }[];
  let failOnce: Set<string>;
  let slowMs: number;

  const consumer = (max = 32): Consumer =>
    createConsumer({
      module: 'probe',
      db: database.db,
      tables: probeTables,
      deadLetters: world.deadLetters,
      subscription: subscribe(productCreatedV1, 'record', async (payload, { tx, envelope }) => {
        calls.push({ eventId: envelope.id, tx });
        if (slowMs > 0) await new Promise((r) => setTimeout(r, slowMs));
        if (failOnce.delete(envelope.id)) throw new Error('told to fail once');
        await tx.insert(effects).values({ eventId: envelope.id, productId: payload.productId, sku: payload.sku, attempt: 1 });
      }),
      context: undefined,
      log,
      batching: consumerBatching(database.kind, max),
      afterCommit: () => {},
    });

  const events = async (n: number): Promise<EventEnvelope[]> => {
    const out: EventEnvelope[] = [];
    for (let i = 0; i < n; i++) out.push(await world.write(newKey(), `G-${i}`));
    return out;
  };
  /** Event id → how many effects (committed handlings) it has. */
  const committed = async () => {
    const rows = await database.db.select({ eventId: effects.eventId }).from(effects);
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.eventId, (counts.get(r.eventId) ?? 0) + 1);
    return counts;
  };
  const inboxRows = async () => (await database.db.select().from(probeTables.inbox)).length;

  // One database per run (migrating it is most of a test's time); emptied between tests.
  beforeAll(async () => {
    database = await testDatabase.open();
    world = await openWorld(database, log);
  });
  afterAll(async () => {
    await database.close();
  });
  beforeEach(async () => {
    await world.reset();
    calls = [];
    failOnce = new Set();
    slowMs = 0;
  });

  it('deliveries that wait go together in one transaction, each handled once', async () => {
    const c = consumer();
    const envelopes = await events(40);
    const outcomes = await Promise.all(envelopes.map((e) => c.deliver(e)));
    expect(outcomes).toEqual(envelopes.map(() => 'handled'));
    const counts = await committed();
    expect(envelopes.every((e) => counts.get(e.id) === 1)).toBe(true);
    // Fewer transactions than events: some handlers shared one.
    expect(new Set(calls.map((call) => call.tx)).size).toBeLessThan(envelopes.length);
    // Delivered again: every one a duplicate, nothing handled twice.
    expect(await Promise.all(envelopes.map((e) => c.deliver(e)))).toEqual(envelopes.map(() => 'duplicate'));
    expect([...(await committed()).values()].every((n) => n === 1)).toBe(true);
  });

  it('a failing event fails alone: the others of its transaction are handled once, it is handled on its retry', async () => {
    const c = consumer();
    const envelopes = await events(30);
    const failing = envelopes.slice(5, 8).map((e) => e.id);
    failing.forEach((id) => failOnce.add(id));
    const results = await Promise.allSettled(envelopes.map((e) => c.deliver(e)));
    const rejected = envelopes.filter((_, i) => results[i]?.status === 'rejected').map((e) => e.id);
    // The first attempt of a failing event may run inside a batch (which rolls back, and it fails on its own retry
    // alone) or alone: either way only failing events are refused, and at most once each.
    expect(rejected.every((id) => failing.includes(id))).toBe(true);
    const counts = await committed();
    for (const e of envelopes) if (!rejected.includes(e.id)) expect(counts.get(e.id)).toBe(1);
    for (const id of rejected) expect(counts.get(id)).toBeUndefined();
    // The refused ones, delivered again (as the bus retries), are handled now.
    expect(await Promise.all(envelopes.filter((e) => rejected.includes(e.id)).map((e) => c.deliver(e)))).toEqual(rejected.map(() => 'handled'));
    const after = await committed();
    expect(envelopes.every((e) => after.get(e.id) === 1)).toBe(true);
    expect(await inboxRows()).toBe(envelopes.length);
  });

  it('the same event twice at once is handled once', async () => {
    const c = consumer();
    const envelopes = await events(10);
    const twice = [...envelopes, ...envelopes, ...envelopes.slice(0, 3)];
    const outcomes = await Promise.all(twice.map((e) => c.deliver(e)));
    expect(outcomes.filter((o) => o === 'handled')).toHaveLength(envelopes.length);
    expect([...(await committed()).values()]).toEqual(envelopes.map(() => 1));
  });

  it('a transaction out of time leaves the rest for the next one, which handles them (none taken for duplicates)', async () => {
    const c = consumer();
    // Each handler sleeps longer than half the batch window: a transaction holding them all stops after the second.
    slowMs = 30;
    const envelopes = await events(10);
    const outcomes = await Promise.all(envelopes.map((e) => c.deliver(e)));
    expect(outcomes).toEqual(envelopes.map(() => 'handled'));
    expect(new Set(calls.map((call) => call.tx)).size).toBeGreaterThan(1);
    const counts = await committed();
    expect(envelopes.every((e) => counts.get(e.id) === 1)).toBe(true);
    expect(await inboxRows()).toBe(envelopes.length);
  });

  it('with a batch of 1 every delivery has its own transaction', async () => {
    const c = consumer(1);
    const envelopes = await events(12);
    await Promise.all(envelopes.map((e) => c.deliver(e)));
    expect(new Set(calls.map((call) => call.tx)).size).toBe(envelopes.length);
  });
});
