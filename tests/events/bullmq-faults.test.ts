import { randomUUID } from 'node:crypto';
import process from 'node:process';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { catalogContract, productCreatedV1 } from '../../modules/catalog/index.ts';
import { createBullmqBus } from '../../platform/events/bullmq-bus.ts';
import { auditOutbox, createConsumer, eventTables, redriveOutbox, subscribe, type EventEnvelope } from '../../platform/events/index.ts';
import { deleteNamespace, testBullmqOptions, testRedisUrl, withModuleQueues } from '../support/buses/bus-kinds.ts';
import { newKey, openWorld, type World } from '../support/buses/world.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { eventually, testLogger } from '../support/test-host.ts';

const log = testLogger();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const haveRedisServer = redisServerAvailable();
if (!testRedisUrl) process.stdout.write('\n  BullMQ faults: TEST_REDIS_URL is not set; SKIPPED.\n');
else if (!haveRedisServer) process.stdout.write('\n  BullMQ faults: no redis-server on PATH; the Redis restart tests are SKIPPED.\n');

const probeTables = eventTables('probe');

describe.skipIf(!testRedisUrl).each(testDatabases)('the BullMQ bus under faults, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let world: World;
  let namespace = '';
  const url = testRedisUrl ?? '';
  const bus = (extra: Parameters<typeof testBullmqOptions>[0]['bullmq'] = {}, redisUrl?: string) =>
    createBullmqBus(
      testBullmqOptions({ log, maxAttempts: 3, namespace, deadLetters: world.deadLetters, bullmq: extra, ...(redisUrl ? { redisUrl } : {}) }, url),
    );

  /**
   * A process hosting only `probe:ghost`, a second consumer of product-created in the probe module (or `<module>:ghost`
   * in a module of its own, with its own queues, keeping its inbox in the probe's table).
   */
  const ghostBus = (redisUrl?: string, module = 'probe') => {
    const ghost = subscribe(productCreatedV1, 'ghost', async () => {});
    const b = bus({}, redisUrl);
    b.subscribe(
      createConsumer({
        module,
        db: database.db,
        tables: probeTables,
        deadLetters: world.deadLetters,
        subscription: ghost,
        context: undefined,
        log,
        afterCommit: () => {},
      }),
    );
    return b;
  };

  beforeAll(async () => {
    database = await testDatabase.open();
    world = await openWorld(database, log);
  });
  beforeEach(() => {
    namespace = `cleave-test-${randomUUID().slice(0, 8)}`;
  });
  afterEach(async () => {
    await world.reset();
    await deleteNamespace(url, namespace);
  });
  afterAll(() => database.close());

  it('puts a job for a consumer this process lacks back, until a replica that has it takes it (a rolling deploy)', async () => {
    const registering = ghostBus();
    await registering.start();
    await registering.close();
    // The old version of the consumer lacks the ghost handler; the new version has it.
    const old = world.startProcess(bus({ unroutedGraceMs: 60_000 }), { relay: false, consume: true });
    // Registered before the publisher routes (a consumer registered later is not owed the event).
    await old.ready;
    world.startProcess(bus(), { relay: true, consume: false });
    const envelope = await world.write(newKey(), 'GHOST-1');
    await eventually(async () => expect(await world.effects()).toHaveLength(1));
    // The ghost's job keeps coming back to this process, which puts it back; a replica hosting the ghost takes it.
    await sleep(300);
    expect(await world.deadLetters.list()).toHaveLength(0);
    const replica = ghostBus();
    await replica.start();
    // The old replica goes away; its partitions, with the job it kept putting back, move to the new one.
    await old.stop();
    try {
      await eventually(async () => {
        const inbox = await database.db.select().from(probeTables.inbox);
        expect(inbox.map((r) => `${r.consumer} ${r.eventId}`).sort()).toEqual([`probe:ghost ${envelope.id}`, `probe:record ${envelope.id}`]);
      }, 20_000);
    } finally {
      await replica.close();
    }
  });

  it('dead-letters a job for a consumer no process took within the grace period', async () => {
    const registering = ghostBus();
    await registering.start();
    await registering.close();
    world.startProcess(bus({ unroutedGraceMs: 1500 }), { relay: true, consume: true });
    const envelope = await world.write(newKey(), 'GHOST-2');
    const [letter] = await eventually(async () => {
      const letters = await world.deadLetters.list();
      expect(letters).toHaveLength(1);
      return letters;
    }, 20_000);
    expect(letter).toMatchObject({ consumer: 'probe:ghost', eventId: envelope.id });
    expect(letter?.error).toContain('No process hosting probe:ghost took this event');
    expect((await world.effects()).map((e) => e.eventId)).toEqual([envelope.id]);
  });

  it('dead-letters a job that carries no readable event, and the queue moves on', async () => {
    const node = world.startProcess(bus(), { relay: true, consume: true });
    await node.ready;
    await withModuleQueues(namespace, url, 'probe', async (queues) => {
      await queues[0]?.add('garbage', { consumer: 'probe:record', envelope: { id: 'not-a-uuid', payload: 42 } } as never);
      await queues[1]?.add('garbage', { nothing: true } as never);
    });
    const letters = await eventually(async () => {
      const list = await world.deadLetters.list();
      expect(list).toHaveLength(2);
      return list;
    }, 15_000);
    for (const letter of letters) expect(letter.error).toContain('carries no readable event');
    const next = await world.write(newKey(), 'AFTER-GARBAGE');
    await eventually(async () => expect((await world.effects()).map((e) => e.eventId)).toEqual([next.id]));
  });

  it('routes by the durable subscription table: a consumer deployed after the publisher gets what is published from then on', async () => {
    const publisher = world.startProcess(bus(), { relay: true, consume: false });
    await publisher.ready;
    // Nobody has registered yet: routing is paused and the event waits in the outbox instead of going nowhere.
    const early = await world.write(newKey(), 'EARLY');
    await eventually(async () => expect((await world.outboxRows())[0]?.lastError).toContain('subscription table'));
    expect(publisher.bus.routingPaused).toBeTruthy();
    world.startProcess(bus(), { relay: false, consume: true });
    const later = await world.write(newKey(), 'LATER');
    await eventually(async () => expect((await world.effects()).map((e) => e.eventId).sort()).toEqual([early.id, later.id].sort()), 15_000);
    expect(publisher.bus.routingPaused).toBeUndefined();
  });

  it('holds the events of a module the topology expects elsewhere until a host of it registers: it gets what was published before it started', async () => {
    const expected = { event: productCreatedV1.name, version: productCreatedV1.version, consumer: 'stock:ghost', module: 'stock' };
    const consumer = world.startProcess(bus(), { relay: false, consume: true });
    // The table exists (the probe registered), but no host of `stock` has: routing by it alone would lose the event.
    await consumer.ready;
    const publisher = world.startProcess(bus({ awaited: [expected] }), { relay: true, consume: false });
    const early = await world.write(newKey(), 'EARLY');
    await eventually(async () => expect((await world.outboxRows())[0]?.lastError).toContain('stock:ghost'));
    expect(publisher.bus.routingPaused).toContain('stock');
    // Held as one event: the probe does not get it ahead of the module it waits for.
    expect(await world.effects()).toHaveLength(0);
    const ghost = ghostBus(undefined, 'stock');
    await ghost.start();
    try {
      const later = await world.write(newKey(), 'LATER');
      await eventually(async () => {
        const inbox = await database.db.select().from(probeTables.inbox);
        expect(inbox.map((r) => `${r.consumer} ${r.eventId}`).sort()).toEqual(
          [`probe:record ${early.id}`, `probe:record ${later.id}`, `stock:ghost ${early.id}`, `stock:ghost ${later.id}`].sort(),
        );
      }, 20_000);
      expect(publisher.bus.routingPaused).toBeUndefined();
    } finally {
      await ghost.close();
    }
  });

  it('sends an event routed by a stale copy of the table to the subscription registered just before it, at its next read', async () => {
    const consumer = world.startProcess(bus(), { relay: false, consume: true });
    await consumer.ready;
    // A publisher that reads the table at most every 3 s.
    world.startProcess(bus({ subscriptionRefreshMs: 3000 }), { relay: true, consume: false });
    const before = await world.write(newKey(), 'BEFORE');
    await eventually(async () => expect((await world.effects()).map((e) => e.eventId)).toEqual([before.id]));
    // Registered after the publisher read the table; the next event is routed by that copy, without it.
    const ghost = ghostBus(undefined, 'stock');
    await ghost.start();
    const missed = await world.write(newKey(), 'MISSED');
    try {
      await eventually(async () => {
        const inbox = await database.db.select().from(probeTables.inbox);
        expect(
          inbox
            .filter((r) => r.eventId === missed.id)
            .map((r) => r.consumer)
            .sort(),
        ).toEqual(['probe:record', 'stock:ghost']);
      }, 20_000);
    } finally {
      await ghost.close();
    }
  });

  it('spreads a module over replicas by key partition and keeps every key in order', async () => {
    world.controls.maxDelayMs = 10;
    world.startProcess(bus(), { relay: true, consume: false, name: 'publisher' });
    const replicas = ['a', 'b', 'c'].map((name) => world.startProcess(bus(), { relay: false, consume: true, name }));
    await Promise.all(replicas.map((r) => r.ready));
    // The replicas split the four partitions between them (a fair share each) before the events come.
    await eventually(() => {
      const owned = replicas.map((r) => r.bus.ownership?.().probe ?? []);
      expect(owned.every((o) => o.length >= 1 && o.length <= 2)).toBe(true);
      expect(new Set(owned.flat()).size).toBe(4);
    }, 15_000);
    const keys = Array.from({ length: 12 }, newKey);
    for (let i = 0; i < 8; i++) for (const key of keys) await world.write(key, String(i));
    await eventually(async () => expect(await world.effects()).toHaveLength(96), 30_000);
    const effects = await world.effects();
    for (const key of keys) expect(effects.filter((e) => e.productId === key).map((e) => e.sku)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    const byReplica = new Set(world.outcomes.map((o) => o.process));
    expect(byReplica.size).toBeGreaterThan(1);
  });

  it('adds the jobs of publishes made in the same turn with one addBulk per queue, each publish resolving with its batch', async () => {
    const consumer = world.startProcess(bus(), { relay: false, consume: true });
    const publisher = world.startProcess(bus(), { relay: false, consume: false });
    await Promise.all([consumer.ready, publisher.ready]);
    const envelopes: EventEnvelope[] = [];
    for (let i = 0; i < 40; i++) envelopes.push(await world.write(newKey(), `TURN-${i}`));
    const addBulk = vi.spyOn(Queue.prototype, 'addBulk');
    try {
      await Promise.all(envelopes.map((e) => publisher.bus.publish(e)));
      // Four partitions of the probe's queue: at most one call each, however many events.
      expect(addBulk.mock.calls.length).toBeLessThanOrEqual(4);
      expect(addBulk.mock.calls.flatMap((c) => c[0]).length).toBe(40);
    } finally {
      addBulk.mockRestore();
    }
    await eventually(async () => expect(await world.effects()).toHaveLength(40), 20_000);
  });

  describe.skipIf(!haveRedisServer)('with a private Redis', () => {
    let server: RedisServer;
    beforeEach(async () => {
      server = await startRedisServer();
    });
    afterEach(async () => {
      // Closing workers needs Redis: bring it back if the test stopped during an outage.
      if (!server.running) await server.start();
      await world.reset();
      await server.stop();
    });

    it('rejects publishing at once while Redis is down, loses nothing, and resumes in order when it is back', async () => {
      const publisher = world.startProcess(bus({}, server.url), { relay: true, consume: false });
      world.startProcess(bus({}, server.url), { relay: false, consume: true });
      const spare = world.startProcess(bus({}, server.url), { relay: false, consume: true });
      const key = newKey();
      const before = await world.write(key, 'OUT-0');
      await eventually(async () => expect(await world.effects()).toHaveLength(1));

      await server.stop();
      await expect(publisher.bus.publish(before)).rejects.toThrow();
      const during: EventEnvelope[] = [];
      for (let i = 1; i <= 5; i++) during.push(await world.write(key, `OUT-${i}`));
      await sleep(400);
      // A process shutting down during the outage does not wait for Redis; closing twice is harmless.
      await Promise.all([spare.stop(), spare.bus.close()]);
      const rows = await world.outboxRows();
      expect(rows.filter((r) => r.dispatchedAt === null)).toHaveLength(5);
      expect(rows.find((r) => r.id === during[0]?.id)?.lastError).toBeTruthy();

      // Redis comes back empty: the subscriptions are registered again (and restored by the publisher that knew them).
      await server.start();
      await eventually(async () => expect(await world.effects()).toHaveLength(6), 45_000);
      expect((await world.effects()).map((e) => e.sku)).toEqual(['OUT-0', 'OUT-1', 'OUT-2', 'OUT-3', 'OUT-4', 'OUT-5']);
    });

    it('registers the subscriptions of a consuming host that started while Redis was down as soon as Redis is up', async () => {
      // Down for longer than the bus waits for its first connection: starting, it cannot register anything.
      await server.stop();
      const consumer = world.startProcess(bus({}, server.url), { relay: false, consume: true });
      await consumer.ready;
      await server.start();
      // A subscriber of its own, so the table exists without the consumer: were its subscription forgotten, the
      // publisher would route the event to the ghost alone and mark it dispatched, and probe:record would never get it.
      const ghost = ghostBus(server.url, 'shadow');
      await ghost.start();
      try {
        const publisher = world.startProcess(bus({}, server.url), { relay: true, consume: false });
        await eventually(async () => expect((await publisher.bus.subscriptions()).map((s) => s.consumer).sort()).toEqual(['probe:record', 'shadow:ghost']));
        const written = await world.write(newKey(), 'LATE-1');
        await eventually(async () => expect((await world.effects()).map((e) => e.eventId)).toEqual([written.id]), 20_000);
      } finally {
        await ghost.close();
      }
    });

    it('detects the events a Redis restarted without its data lost, and redrives them: lost 0, duplicated 0', async () => {
      const consumer = world.startProcess(bus({}, server.url), { relay: false, consume: true });
      await consumer.ready;
      await consumer.stop();
      const publisher = world.startProcess(bus({}, server.url), { relay: true, consume: false });
      const since = new Date(Date.now() - 1000);
      const written = [];
      for (let i = 0; i < 20; i++) written.push(await world.write(newKey(), `LOST-${i}`));
      await eventually(async () => expect((await world.outboxRows()).every((r) => r.dispatchedAt !== null)).toBe(true), 15_000);

      // The jobs wait in the stopped consumer's queue; Redis restarts without persistence and they are gone.
      await server.stop();
      await server.start();
      world.startProcess(bus({}, server.url), { relay: false, consume: true });
      await sleep(500);
      expect(await world.effects()).toHaveLength(0);

      const window = { db: database.db, tables: eventTables('catalog'), bus: publisher.bus, events: catalogContract.events, since };
      const audit = await eventually(async () => {
        const report = await auditOutbox(window);
        expect(report.missingCount).toBe(20);
        return report;
      }, 10_000);
      expect(new Set(audit.missing.map((m) => m.eventId))).toEqual(new Set(written.map((e) => e.id)));
      expect(await redriveOutbox(window, 'missing')).toMatchObject({ events: 20, republished: 20 });
      await eventually(async () => expect(await world.effects()).toHaveLength(20), 20_000);
      expect(new Set((await world.effects()).map((e) => e.eventId)).size).toBe(20);
      expect(await auditOutbox(window)).toMatchObject({ missingCount: 0 });
      // A second redrive finds nothing missing and sends nothing.
      expect(await redriveOutbox(window, 'missing')).toMatchObject({ republished: 0 });
    });

    it('does not count events dispatched before a consumer subscribed as missing for it, while Redis keeps the table', async () => {
      const publisher = world.startProcess(bus({}, server.url), { relay: true, consume: true });
      const since = new Date(Date.now() - 1000);
      for (let i = 0; i < 3; i++) await world.write(newKey(), `EARLY-${i}`);
      await eventually(async () => expect(await world.effects()).toHaveLength(3));
      await sleep(1500);
      const late = ghostBus(server.url, 'shadow');
      await late.start();
      try {
        await eventually(async () => expect((await publisher.bus.subscriptions()).map((s) => s.consumer)).toContain('shadow:ghost'));
        const window = { db: database.db, tables: eventTables('catalog'), bus: publisher.bus, events: catalogContract.events, since };
        expect(await auditOutbox(window)).toMatchObject({ events: 3, checked: 3, missingCount: 0 });
      } finally {
        await late.close();
      }
    });

    it('detects the loss also when no process that knew the subscriptions survived it, and what was routed by the half-restored table', async () => {
      // shadow:ghost and probe:record subscribe; neither runs while the events go out, so their jobs wait in Redis.
      const ghost = ghostBus(server.url, 'shadow');
      await ghost.start();
      await ghost.close();
      const consumer = world.startProcess(bus({}, server.url), { relay: false, consume: true });
      await consumer.ready;
      await consumer.stop();
      const publisher = world.startProcess(bus({}, server.url), { relay: true, consume: false });
      const since = new Date(Date.now() - 1000);
      const before: EventEnvelope[] = [];
      for (let i = 0; i < 10; i++) before.push(await world.write(newKey(), `GONE-${i}`));
      await eventually(async () => expect((await world.outboxRows()).every((r) => r.dispatchedAt !== null)).toBe(true), 15_000);
      // (Past the slack the audit allows between the database's clock and the hosts'.)
      await sleep(1500);

      // Redis restarts empty while the publisher is down too: no running process remembers the subscriptions.
      await publisher.stop();
      await server.stop();
      await server.start();
      // The ghost's host comes back first: the table exists again, with the ghost alone, and a new publisher routes
      // the next events by it, to the ghost only. Then probe:record's host registers again.
      const ghostHost = ghostBus(server.url, 'shadow');
      await ghostHost.start();
      const freshPublisher = world.startProcess(bus({}, server.url), { relay: true, consume: false });
      await freshPublisher.ready;
      const after: EventEnvelope[] = [];
      for (let i = 0; i < 5; i++) after.push(await world.write(newKey(), `HOLE-${i}`));
      await eventually(async () => expect((await world.outboxRows()).every((r) => r.dispatchedAt !== null)).toBe(true), 15_000);
      await world.startProcess(bus({}, server.url), { relay: false, consume: true }).ready;
      // (Once the publisher's view of the table has both subscriptions.)
      await eventually(async () => expect((await freshPublisher.bus.subscriptions()).map((s) => s.consumer).sort()).toEqual(['probe:record', 'shadow:ghost']));
      try {
        const window = { db: database.db, tables: eventTables('catalog'), bus: freshPublisher.bus, events: catalogContract.events, since };
        // Both subscriptions' registration times are from after the loss, which says nothing about since when they
        // were owed events: everything the broker lacks counts as missing (the ghost's 10 lost jobs, probe:record's
        // 10 lost jobs and the 5 events the half-restored table never routed to it). The publisher itself sent
        // probe:record those of the 5 published within a second (the hosts' clock slack) before it registered, when
        // its next read of the table found it: how many depends on how fast the consumer's host came up.
        const audit = await auditOutbox(window);
        const missing = (consumer: string) => new Set(audit.missing.filter((m) => m.consumer === consumer).map((m) => m.eventId));
        const probeMissing = missing('probe:record');
        const notSentByReconciling = after.filter((e) => probeMissing.has(e.id)).length;
        expect(probeMissing).toEqual(new Set([...before, ...after.filter((e) => probeMissing.has(e.id))].map((e) => e.id)));
        expect(missing('shadow:ghost')).toEqual(new Set(before.map((e) => e.id)));
        expect(await redriveOutbox(window, 'missing')).toMatchObject({ republished: 20 + notSentByReconciling });
        await eventually(
          async () => expect((await world.effects()).map((e) => e.eventId).sort()).toEqual([...before, ...after].map((e) => e.id).sort()),
          20_000,
        );
        await eventually(async () => {
          const inbox = await database.db.select().from(probeTables.inbox);
          expect(inbox.filter((r) => r.consumer === 'shadow:ghost')).toHaveLength(15);
        }, 20_000);
        expect(await auditOutbox(window)).toMatchObject({ missingCount: 0 });
      } finally {
        await ghostHost.close();
      }
    });

    it('keeps everything it writes to Redis under its prefix', async () => {
      world.startProcess(bus({}, server.url), { relay: true, consume: true });
      await world.write(newKey(), 'PREFIX-1');
      await eventually(async () => expect(await world.effects()).toHaveLength(1));
      const redis = new Redis(server.url);
      try {
        const keys = await redis.keys('*');
        expect(keys.length).toBeGreaterThan(0);
        expect(keys.filter((k) => !k.startsWith(`${namespace}:`))).toEqual([]);
      } finally {
        redis.disconnect();
      }
    });
  });
});
