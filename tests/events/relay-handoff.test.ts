import { isNull, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { productCreatedV1 } from '../../modules/catalog/index.ts';
import { createOutbox, eventTables, type EventEnvelope } from '../../platform/events/index.ts';
import { gatedBus } from '../support/buses/bus-kinds.ts';
import { newKey, openWorld, type World } from '../support/buses/world.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { eventually, testLogger } from '../support/test-host.ts';

const log = testLogger();
const outbox = eventTables('catalog').outbox;
/** No sweep within a test: what is delivered was handed over at commit, or claimed by a pass the commit asked for. */
const noSweep = 3_600_000;

/**
 * The relay's hand-off (docs/architecture.md, "Event pipeline"): a module transaction's events that head their key are claimed in the statement
 * that writes them and handed to the bus when the transaction commits, with no claim pass; the sweep stays for
 * recovery. Each test runs without a sweep, so a row that is neither handed over nor claimed by a pass its commit asked
 * for is never delivered, and the test fails.
 */
describe.each(testDatabases)('relay hand-off on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let world: World;
  const published: EventEnvelope[] = [];
  let release: () => void = () => {};
  const gate: { promise: Promise<void> | undefined } = { promise: undefined };
  beforeAll(async () => {
    database = await testDatabase.open();
    world = await openWorld(database, log);
  });
  afterEach(async () => {
    release();
    gate.promise = undefined;
    published.length = 0;
    await world.reset();
  });
  afterAll(() => database.close());

  // As a host has it: on PGlite the relay is the outbox's only one, and checks handed rows in memory while it can.
  const handingProcess = (options: { maxInFlight?: number; leaseMs?: number; sweepMs?: number } = {}) =>
    world.startProcess(
      gatedBus(log, gate, (envelope) => published.push(envelope)),
      { relay: true, consume: true, handoff: true, sweepMs: noSweep, exclusive: testDatabase.name === 'pglite', ...options },
    );
  const delivered = async () => (await world.effects()).map((e) => e.eventId);

  it('hands a committed transaction’s events to the bus with the claim written with them, once each', async () => {
    await handingProcess().ready;
    const written = [];
    for (let i = 0; i < 30; i++)
      written.push(
        ...(await world.writeMany([
          { key: newKey(), sku: `A-${i}` },
          { key: newKey(), sku: `B-${i}` },
        ])),
      );
    await eventually(async () => expect(await delivered()).toHaveLength(60), 20_000);
    expect(new Set(await delivered())).toEqual(new Set(written.map((e) => e.id)));
    expect(published.map((e) => e.id).sort()).toEqual(written.map((e) => e.id).sort());
    await eventually(async () => expect(await database.db.select().from(outbox).where(isNull(outbox.dispatchedAt))).toHaveLength(0), 10_000);
    // Claimed once, as written: a claim pass would have counted a second attempt.
    expect(new Set((await world.outboxRows()).map((r) => r.attempts))).toEqual(new Set([1]));
  });

  it('keeps the order of a key written several times in one transaction and over several: the rest wait for their head', async () => {
    await handingProcess().ready;
    const key = newKey();
    const first = await world.writeMany([
      { key, sku: 'K-1' },
      { key, sku: 'K-2' },
      { key: newKey(), sku: 'OTHER' },
      { key, sku: 'K-3' },
    ]);
    const later = await world.writeMany([{ key, sku: 'K-4' }]);
    const ofKey = [...first, ...later].filter((e) => e.key === key).map((e) => e.id);
    await eventually(async () => expect(await delivered()).toHaveLength(5), 20_000);
    const order = (await world.effects()).map((e) => e.eventId).filter((id) => ofKey.includes(id));
    expect(order).toEqual(ofKey);
    // All were claimed as written; those behind the head gave their claim back and were claimed again, in order.
    const rows = await world.outboxRows();
    expect(rows.find((r) => r.id === ofKey[0])?.attempts).toBe(1);
    expect(rows.find((r) => r.id === ofKey[1])?.attempts).toBe(2);
  });

  it('a later transaction’s event waits behind its key’s head in flight; other keys pass', async () => {
    gate.promise = new Promise<void>((r) => (release = r));
    await handingProcess().ready;
    const key = newKey();
    const [stuck] = await world.writeMany([{ key, sku: 'STUCK-1' }]);
    await eventually(() => expect(published.map((e) => e.id)).toContain(stuck?.id), 10_000);
    const [next] = await world.writeMany([{ key, sku: 'NEXT' }]);
    const [other] = await world.writeMany([{ key: newKey(), sku: 'OTHER' }]);
    await eventually(async () => expect(await delivered()).toEqual([other?.id]), 10_000);
    expect(published.map((e) => e.id)).not.toContain(next?.id);
    // It gave back the claim written with it, for the claim pass to take once its head is done.
    await eventually(async () => expect((await world.outboxRows()).find((r) => r.id === next?.id)?.claimedBy).toBeNull(), 10_000);
    release();
    await eventually(async () => expect(await delivered()).toEqual([other?.id, stuck?.id, next?.id]), 20_000);
  });

  it('a row written outside a tracked transaction holds back the next of its key, though no relay was told of it', async () => {
    await handingProcess().ready;
    const key = newKey();
    // Only a claim pass finds this one; the hand-off must not send the next of its key before it.
    const unseen = await world.writeUntracked(key, 'UNSEEN');
    const [next] = await world.writeMany([{ key, sku: 'NEXT' }]);
    const [other] = await world.writeMany([{ key: newKey(), sku: 'OTHER' }]);
    await eventually(async () => expect(await delivered()).toHaveLength(3), 20_000);
    expect((await delivered()).filter((id) => id !== other?.id)).toEqual([unseen.id, next?.id]);
  });

  it('an event the bus refuses holds back the next of its key until it went out', async () => {
    // A sweep here: the refused event is claimed again after its backoff by a pass, not at a commit.
    const bus = gatedBus(log, gate, (envelope) => published.push(envelope));
    let refusing = true;
    const refusingBus = {
      ...bus,
      async publish(...args: Parameters<typeof bus.publish>) {
        if (refusing && (args[0].payload as { sku: string }).sku === 'REFUSED') throw new Error('the bus refuses it');
        return bus.publish(...args);
      },
    };
    await world.startProcess(refusingBus, { relay: true, consume: true, handoff: true, sweepMs: 200, exclusive: testDatabase.name === 'pglite' }).ready;
    const key = newKey();
    const [refused] = await world.writeMany([{ key, sku: 'REFUSED' }]);
    await eventually(async () => expect((await world.outboxRows()).find((r) => r.id === refused?.id)?.lastError).toMatch(/refuses/), 10_000);
    const [next] = await world.writeMany([{ key, sku: 'NEXT' }]);
    const [other] = await world.writeMany([{ key: newKey(), sku: 'OTHER' }]);
    await eventually(async () => expect(await delivered()).toEqual([other?.id]), 10_000);
    refusing = false;
    await eventually(async () => expect(await delivered()).toHaveLength(3), 20_000);
    expect(await delivered()).toEqual([other?.id, refused?.id, next?.id]);
  });

  it.skipIf(testDatabase.name !== 'postgres')('a relay stops reporting a refusal once another replica dispatched the events it could not', async () => {
    // Replica A's bus refuses one event for good; replica B's takes it after A gave it back. A's readiness check
    // (`event-dispatch`) reads `refusing`: it must not keep saying "the events wait in the outbox" once none does.
    const bus = gatedBus(log, gate, (envelope) => published.push(envelope));
    const refusingBus = {
      ...bus,
      async publish(...args: Parameters<typeof bus.publish>) {
        if ((args[0].payload as { sku: string }).sku === 'REFUSED') throw new Error('the bus refuses it');
        return bus.publish(...args);
      },
    };
    const a = world.startProcess(refusingBus, { relay: true, consume: true, sweepMs: 200 });
    await a.ready;
    const [refused] = await world.writeMany([{ key: newKey(), sku: 'REFUSED' }]);
    await eventually(async () => expect(a.relay.refusing?.count).toBeGreaterThan(0), 10_000);
    await world.startProcess(
      gatedBus(log, gate, (envelope) => published.push(envelope)),
      { relay: true, consume: true, sweepMs: 200 },
    ).ready;
    await eventually(async () => expect(await delivered()).toEqual([refused?.id]), 30_000);
    await eventually(async () => expect(a.relay.refusing).toBeUndefined(), 20_000);
  });

  it.skipIf(testDatabase.name !== 'pglite')(
    'an idle relay runs no claim query while it knows every pending row to be in hand, and sweeps again after a write it was not told of',
    async () => {
      const execute = vi.spyOn(database.db, 'execute');
      const claims = () => execute.mock.calls.filter(([query]) => isClaimQuery(query)).length;
      try {
        await handingProcess({ sweepMs: 50 }).ready;
        const [first] = await world.writeMany([{ key: newKey(), sku: 'FIRST' }]);
        await eventually(async () => expect(await delivered()).toEqual([first?.id]), 10_000);
        // Once a pass has found nothing pending outside its hands, the sweep (every 50 ms) asks the outbox nothing.
        await eventually(async () => {
          const before = claims();
          await new Promise((resolve) => setTimeout(resolve, 500));
          expect(claims()).toBe(before);
        }, 20_000);
        const unseen = await world.writeUntracked(newKey(), 'UNSEEN');
        await eventually(async () => expect(await delivered()).toEqual([first?.id, unseen.id]), 10_000);
        expect(claims()).toBeGreaterThan(0);
      } finally {
        execute.mockRestore();
      }
    },
  );

  it.skipIf(testDatabase.name !== 'postgres')(
    'two overlapping transactions that both claimed the same key go out one after the other, in commit order',
    async () => {
      gate.promise = new Promise<void>((r) => (release = r));
      const node = handingProcess();
      await node.ready;
      const publisher = createOutbox(eventTables('catalog'), 'catalog', undefined, node.relay);
      const key = newKey();
      const product = (sku: string) => ({ productId: key, sku, name: sku, price: { amount: 100, currency: 'EUR' } });
      let inserted!: () => void;
      const firstInserted = new Promise<void>((r) => (inserted = r));
      let commitFirst!: () => void;
      const firstMayCommit = new Promise<void>((r) => (commitFirst = r));
      let firstTx: object | undefined;
      // Both rows are claimed as written; the second's check after the commits finds the first still pending.
      const first = database.db.transaction(async (tx) => {
        firstTx = tx;
        node.relay.track(tx);
        const envelope = await publisher.publish(tx, productCreatedV1, product('STUCK-first'));
        inserted();
        await firstMayCommit;
        return envelope;
      });
      await firstInserted;
      let secondTx: object | undefined;
      const second = await database.db.transaction(async (tx) => {
        secondTx = tx;
        node.relay.track(tx);
        const envelope = await publisher.publish(tx, productCreatedV1, product('SECOND'));
        commitFirst();
        await first;
        return envelope;
      });
      node.relay.committed(firstTx);
      node.relay.committed(secondTx);
      const firstEnvelope = await first;
      await eventually(() => expect(published.map((e) => e.id)).toContain(firstEnvelope.id), 10_000);
      // The first is in flight: the second, handed over too, waits for it.
      await new Promise((r) => setTimeout(r, 300));
      expect(published.map((e) => e.id)).not.toContain(second.id);
      release();
      await eventually(async () => expect(await delivered()).toEqual([firstEnvelope.id, second.id]), 20_000);
    },
  );

  it('hands over nothing of a savepoint that rolled back, and what a savepoint committed goes out with a pass the commit asks for', async () => {
    await handingProcess().ready;
    const written = await world.writeMany([
      { key: newKey(), sku: 'TOP' },
      { key: newKey(), sku: 'KEPT', savepoint: true },
      { key: newKey(), sku: 'DROPPED', savepoint: true, rollBack: true },
    ]);
    expect(written.map((e) => (e.payload as { sku: string }).sku)).toEqual(['TOP', 'KEPT']);
    await eventually(async () => expect(new Set(await delivered())).toEqual(new Set(written.map((e) => e.id))), 20_000);
    expect(await world.outboxRows()).toHaveLength(2);
    expect(published.map((e) => (e.payload as { sku: string }).sku).sort()).toEqual(['KEPT', 'TOP']);
  });

  it('a transaction that rolls back hands over nothing and leaves no claim', async () => {
    await handingProcess().ready;
    await world.writeAndRollBack(newKey(), 'GONE');
    const [kept] = await world.writeMany([{ key: newKey(), sku: 'KEPT' }]);
    await eventually(async () => expect(await delivered()).toEqual([kept?.id]), 20_000);
    expect(published.map((e) => e.id)).toEqual([kept?.id]);
  });

  it('rows claimed by a relay that died before handing them over are taken over by another once the lease lapses', async () => {
    const dying = handingProcess({ leaseMs: 1000 });
    await dying.ready;
    // The process dies between its commit and the hand-off: the rows are claimed for its relay, which never sends them.
    const orphans = await world.writeMany(Array.from({ length: 5 }, (_, i) => ({ key: newKey(), sku: `ORPHAN-${i}` })));
    await eventually(() => expect(published).toHaveLength(5), 10_000);
    // The relay handed them over; its death before sending is played by putting its claims back, undispatched.
    await dying.stop();
    published.length = 0;
    await database.db.execute(sql`truncate probe.inbox, probe.effects`);
    await database.db
      .update(outbox)
      .set({ dispatchedAt: null, claimedBy: 'a-relay-that-died', claimedUntil: sql`now() + interval '1 second'` })
      .where(sql`true`);
    world.startProcess(
      gatedBus(log, gate, (envelope) => published.push(envelope)),
      { relay: true, consume: true, leaseMs: 1000 },
    );
    await eventually(async () => expect(new Set(await delivered())).toEqual(new Set(orphans.map((e) => e.id))), 15_000);
  });

  it('gives its handed rows back when it stops before sending them, so the next relay takes them at once', async () => {
    gate.promise = new Promise<void>((r) => (release = r));
    const first = handingProcess({ maxInFlight: 1, leaseMs: 60_000 });
    await first.ready;
    const [stuck] = await world.writeMany([{ key: newKey(), sku: 'STUCK-0' }]);
    await eventually(() => expect(published.map((e) => e.id)).toEqual([stuck?.id]), 10_000);
    // No room: these wait in the relay, claimed for it with a one-minute lease.
    const waiting = await world.writeMany(Array.from({ length: 4 }, (_, i) => ({ key: newKey(), sku: `WAIT-${i}` })));
    const stopping = first.stop();
    release();
    await stopping;
    const stillClaimed = (await world.outboxRows()).filter((r) => r.dispatchedAt === null && r.claimedBy !== null);
    expect(stillClaimed).toEqual([]);
    world.startProcess(
      gatedBus(log, gate, (envelope) => published.push(envelope)),
      { relay: true, consume: true, leaseMs: 60_000 },
    );
    await eventually(async () => expect(new Set(await delivered())).toEqual(new Set([stuck?.id, ...waiting.map((e) => e.id)])), 15_000);
  });
});

/** The claim pass's statement (drizzle's `sql` template: its text parts are string chunks). */
function isClaimQuery(query: unknown): boolean {
  const chunks = (query as { queryChunks?: unknown[] } | undefined)?.queryChunks ?? [];
  return chunks.some((chunk) => {
    const value = (chunk as { value?: unknown } | null)?.value;
    return Array.isArray(value) && value.some((text) => typeof text === 'string' && text.includes('distinct on (aggregate_key)'));
  });
}
