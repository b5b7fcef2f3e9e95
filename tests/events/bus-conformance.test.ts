import { randomUUID } from 'node:crypto';
import process from 'node:process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalogContract } from '../../modules/catalog/index.ts';
import { auditOutbox, eventTables, redriveOutbox } from '../../platform/events/index.ts';
import { runInContext } from '../../platform/observability/index.ts';
import { busKinds, testRedisUrl } from '../support/buses/bus-kinds.ts';
import { newKey, openWorld, type World } from '../support/buses/world.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { eventually, testLogger } from '../support/test-host.ts';
import { redisPrefix } from '../support/redis-keys.ts';

const log = testLogger();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
if (!testRedisUrl) process.stdout.write('\n  Bus conformance: TEST_REDIS_URL is not set; the BullMQ bus is SKIPPED (in-process bus only).\n');

describe.each(testDatabases)('on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let world: World;
  beforeAll(async () => {
    database = await testDatabase.open();
    world = await openWorld(database, log);
  });
  afterAll(async () => {
    await world.reset();
    await database.close();
  });

  describe.each(busKinds)('the $name bus', (kind) => {
    let namespace = '';
    const bus = (maxAttempts = 3, handlerTimeoutMs?: number) =>
      kind.create({ log, maxAttempts, namespace, deadLetters: world.deadLetters, ...(handlerTimeoutMs ? { handlerTimeoutMs } : {}) });
    beforeEach(() => {
      namespace = `cleave-${redisPrefix()}`;
    });
    afterEach(async () => {
      await world.reset();
      await kind.cleanUp(namespace);
    });

    it('publishes nothing for a rolled-back transaction, and the committed one after it', async () => {
      world.startProcess(bus(), { relay: true, consume: true });
      await world.writeAndRollBack(newKey(), 'RB-1');
      const committed = await world.write(newKey(), 'OK-1');
      await eventually(async () => expect(await world.effects()).toHaveLength(1));
      await sleep(150);
      expect((await world.effects()).map((e) => e.eventId)).toEqual([committed.id]);
      expect((await world.outboxRows()).map((r) => r.id)).toEqual([committed.id]);
      expect(world.controls.calls.map((e) => e.id)).toEqual([committed.id]);
    });

    it('delivers an envelope whole: correlation, causation and trace context survive the trip', async () => {
      world.startProcess(bus(), { relay: true, consume: true });
      const context = { correlationId: 'corr-1', causationId: randomUUID(), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
      const sent = await runInContext(context, () => world.write(newKey(), 'CTX-1'));
      await eventually(() => expect(world.controls.calls).toHaveLength(1));
      expect(world.controls.calls[0]).toEqual(sent);
      expect(sent).toMatchObject(context);
    });

    it('delivers at least once and makes one effect, however often the event is published', async () => {
      const node = world.startProcess(bus(), { relay: true, consume: true });
      const key = newKey();
      const envelope = await world.write(key, 'DUP-1');
      // Handled, not only handed to the bus: only then can the bus forget it below.
      await eventually(async () => expect(await world.effects()).toHaveLength(1));
      await eventually(async () => expect((await world.outboxRows())[0]?.dispatchedAt).not.toBeNull());
      await node.bus.publish(envelope);
      await node.bus.publish(envelope);
      // The relay hands the row over again, as after a crash between publish and marking it dispatched.
      await world.forgetDispatches();
      await eventually(async () => expect((await world.outboxRows())[0]?.dispatchedAt).not.toBeNull());
      // Past whatever the bus deduplicates itself, the consumer's inbox still stops the duplicate.
      await kind.forget(namespace);
      await node.bus.publish(envelope);
      // Events of one key are handled in order, so once this one is, every duplicate before it was too.
      const sentinel = await world.write(key, 'DUP-2');
      await eventually(async () => expect(await world.effects()).toHaveLength(2), 10_000);
      expect((await world.effects()).map((e) => e.eventId)).toEqual([envelope.id, sentinel.id]);
      expect(world.controls.calls.map((e) => e.id)).toEqual([envelope.id, sentinel.id]);
      const duplicates = world.outcomes.filter((o) => o.eventId === envelope.id && o.outcome === 'duplicate');
      // BullMQ drops re-published jobs it still holds (same job id); only the forgotten one reaches the inbox.
      expect(duplicates).toHaveLength(kind.queues ? 1 : 4);
    });

    it('keeps the order of each aggregate key, even with 30 events waiting at once and uneven handlers', async () => {
      world.controls.maxDelayMs = 5;
      const keys = [newKey(), newKey(), newKey()];
      // Written while no relay runs, as after an outage: the relay then finds all of them at once.
      for (let i = 0; i < 10; i++) for (const key of keys) await world.write(key, String(i));
      world.startProcess(bus(), { relay: true, consume: true });
      await eventually(async () => expect(await world.effects()).toHaveLength(30), 15_000);
      const effects = await world.effects();
      for (const key of keys) expect(effects.filter((e) => e.productId === key).map((e) => e.sku)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    });

    it('retries a failing handler with backoff and succeeds without a dead letter', async () => {
      world.controls.failuresLeft = 2;
      world.startProcess(bus(5), { relay: true, consume: true });
      const envelope = await world.write(newKey(), 'RETRY-1');
      await eventually(async () => expect(await world.effects()).toHaveLength(1));
      expect((await world.effects())[0]).toMatchObject({ eventId: envelope.id, attempt: 3 });
      expect(await world.deadLetters.list()).toHaveLength(0);
    });

    it('dead-letters after the last attempt, moves on, and replays the dead letter once fixed', async () => {
      world.controls.failuresLeft = Number.POSITIVE_INFINITY;
      const node = world.startProcess(bus(3), { relay: true, consume: true });
      const key = newKey();
      const failed = await world.write(key, 'DLQ-1');
      const [letter] = await eventually(async () => {
        const letters = await world.deadLetters.list({ pendingOnly: true });
        expect(letters).toHaveLength(1);
        return letters;
      });
      expect(letter).toMatchObject({ consumer: 'probe:record', eventId: failed.id, attempts: 3 });
      expect(letter?.error).toContain('recorder told to fail');
      expect(world.controls.calls.map((e) => e.id)).toEqual([failed.id, failed.id, failed.id]);
      // The dead letter does not block its key: the next event is handled.
      world.controls.failuresLeft = 0;
      const next = await world.write(key, 'DLQ-2');
      await eventually(async () => expect((await world.effects()).map((e) => e.eventId)).toEqual([next.id]));

      // Replayed the way the ops endpoint does it.
      const consumer = node.consumer;
      if (!letter || !consumer) throw new Error('no dead letter or consumer');
      expect(await consumer.deliver(letter.envelope)).toBe('handled');
      await world.deadLetters.markReplayed(letter.id);
      expect(await consumer.deliver(letter.envelope)).toBe('duplicate');
      expect((await world.effects()).map((e) => e.eventId)).toEqual([next.id, failed.id]);
      expect(await world.deadLetters.list({ pendingOnly: true })).toHaveLength(0);
      expect(await world.deadLetters.list()).toHaveLength(1);
    });

    it('dead-letters at once a payload that does not match its schema', async () => {
      const node = world.startProcess(bus(5), { relay: false, consume: true });
      const valid = await world.write(newKey(), 'BAD-1');
      const broken = { ...valid, id: randomUUID(), payload: { productId: 'not-a-uuid' } };
      await node.bus.publish(broken);
      const [letter] = await eventually(async () => {
        const letters = await world.deadLetters.list();
        expect(letters).toHaveLength(1);
        return letters;
      });
      expect(letter).toMatchObject({ eventId: broken.id, attempts: 1 });
      expect(letter?.error).toContain('PermanentDeliveryError');
      expect(world.controls.calls).toHaveLength(0);
    });

    it('leaves a delivery still failing at shutdown to the next process, which delivers it once', async () => {
      world.controls.failuresLeft = Number.POSITIVE_INFINITY;
      const first = world.startProcess(bus(100), { relay: true, consume: true });
      const envelope = await world.write(newKey(), 'STOP-1');
      await eventually(() => expect(world.controls.calls.length).toBeGreaterThanOrEqual(2));
      await first.stop();
      world.controls.failuresLeft = 0;
      world.startProcess(bus(100), { relay: true, consume: true });
      await eventually(async () => expect((await world.effects()).map((e) => e.eventId)).toEqual([envelope.id]));
      expect(await world.deadLetters.list()).toHaveLength(0);
    });

    it('times out a hung handler, rolls its transaction back, retries it, dead-letters it and moves on to the next event of its key', async () => {
      // The handler never returns: only the deadline can end it. On PGlite its open transaction would otherwise block
      // every module's queries.
      world.controls.hang = new Promise<void>(() => {});
      world.startProcess(bus(2, 1000), { relay: true, consume: true });
      const key = newKey();
      const hung = await world.write(key, 'HANG-1');
      const next = await world.write(key, 'NEXT-1');
      const [letter] = await eventually(async () => {
        const letters = await world.deadLetters.list();
        expect(letters).toHaveLength(1);
        return letters;
      }, 20_000);
      expect(letter).toMatchObject({ eventId: hung.id, attempts: 2 });
      expect(letter?.error).toContain('HandlerTimeoutError');
      await eventually(async () => expect((await world.effects()).map((e) => e.eventId)).toEqual([next.id]), 20_000);
      expect(world.controls.calls.filter((e) => e.id === hung.id)).toHaveLength(2);
    });

    it('redrives a window of dispatched events: only what the broker lost is sent again, and the inbox keeps effects at one', async () => {
      const node = world.startProcess(bus(), { relay: true, consume: true });
      const since = new Date(Date.now() - 1000);
      const written = [await world.write(newKey(), 'RD-1'), await world.write(newKey(), 'RD-2'), await world.write(newKey(), 'RD-3')];
      await eventually(async () => expect(await world.effects()).toHaveLength(3));
      await eventually(async () => expect((await world.outboxRows()).every((r) => r.dispatchedAt !== null)).toBe(true));
      const window = { db: world.database.db, tables: eventTables('catalog'), bus: node.bus, events: catalogContract.events, since };
      if (kind.queues) {
        expect(await auditOutbox(window)).toMatchObject({ events: 3, checked: 3, missingCount: 0 });
        // The broker loses two deliveries, as a Redis restarted without persistence would.
        await kind.lose(namespace, [written[0]?.id ?? '', written[2]?.id ?? '']);
        const audit = await auditOutbox(window);
        expect(audit.missingCount).toBe(2);
        expect(new Set(audit.missing.map((m) => m.eventId))).toEqual(new Set([written[0]?.id, written[2]?.id]));
        expect(audit.missing.every((m) => m.consumer === 'probe:record')).toBe(true);
        expect(await redriveOutbox(window, 'missing')).toMatchObject({ events: 3, republished: 2 });
        await eventually(() => expect(world.outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(2));
        expect(await auditOutbox(window)).toMatchObject({ missingCount: 0 });
      } else {
        expect(await redriveOutbox(window, 'all')).toMatchObject({ events: 3, republished: 3 });
        expect(world.outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(3);
      }
      expect((await world.effects()).map((e) => e.eventId).sort()).toEqual(written.map((e) => e.id).sort());
    });

    it('delivers an event published while its consumer was down once the consumer is back, once', async () => {
      const key = newKey();
      if (kind.queues) {
        // The consumer's process registered its subscription, then went down; the publisher's relay hands the event to
        // the bus, which keeps it in the consumer's queue.
        const consumer = world.startProcess(bus(), { relay: false, consume: true });
        await consumer.ready;
        await consumer.stop();
        world.startProcess(bus(), { relay: true, consume: false });
        await world.write(key, 'LATE-1');
        await eventually(async () => expect((await world.outboxRows())[0]?.dispatchedAt).not.toBeNull());
      } else {
        // In-process, a consumer runs in the publisher's process: while that is down, the event waits in the outbox.
        await world.write(key, 'LATE-1');
      }
      await sleep(200);
      expect(await world.effects()).toHaveLength(0);
      world.startProcess(bus(), { relay: !kind.queues, consume: true });
      await eventually(async () => expect(await world.effects()).toHaveLength(1));
      await sleep(200);
      expect(await world.effects()).toHaveLength(1);
      expect(world.controls.calls).toHaveLength(1);
    });
  });
});
