import process from 'node:process';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalogContract } from '../../modules/catalog/index.ts';
import { auditOutbox, eventTables, redriveOutbox, type DeliveryObserver, type EventEnvelope } from '../../platform/events/index.ts';
import { testRedisUrl } from '../support/buses/bus-kinds.ts';
import { probeTables, useFaultsWorld } from '../support/buses/faults-world.ts';
import { newKey } from '../support/buses/world.ts';
import { testDatabases } from '../support/databases.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { tempDir } from '../support/temp-dir.ts';
import { eventually } from '../support/test-host.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const haveRedisServer = redisServerAvailable();
if (!testRedisUrl) process.stdout.write('\n  BullMQ bus, Redis restarts: TEST_REDIS_URL is not set; SKIPPED.\n');
else if (!haveRedisServer) process.stdout.write('\n  BullMQ bus, Redis restarts: no redis-server on PATH; SKIPPED.\n');

describe.skipIf(!testRedisUrl).each(testDatabases)('the BullMQ bus when its Redis stops and restarts, on $name', (testDatabase) => {
  const f = useFaultsWorld(testDatabase);

  describe.skipIf(!haveRedisServer)('with a private Redis', () => {
    let server: RedisServer;
    beforeEach(async () => {
      server = await startRedisServer();
    });
    afterEach(async () => {
      // Closing workers needs Redis: bring it back if the test stopped during an outage.
      if (!server.running) await server.start();
      await f.world.reset();
      await server.stop();
    });

    it('rejects publishing at once while Redis is down, loses nothing, and resumes in order when it is back', async () => {
      const publisher = f.world.startProcess(f.bus({}, server.url), { relay: true, consume: false });
      f.world.startProcess(f.bus({}, server.url), { relay: false, consume: true });
      const spare = f.world.startProcess(f.bus({}, server.url), { relay: false, consume: true });
      const key = newKey();
      const before = await f.world.write(key, 'OUT-0');
      await eventually(async () => expect(await f.world.effects()).toHaveLength(1));

      await server.stop();
      await expect(publisher.bus.publish(before)).rejects.toThrow();
      const during: EventEnvelope[] = [];
      for (let i = 1; i <= 5; i++) during.push(await f.world.write(key, `OUT-${i}`));
      await sleep(400);
      // A process shutting down during the outage does not wait for Redis; closing twice is harmless.
      await Promise.all([spare.stop(), spare.bus.close()]);
      const rows = await f.world.outboxRows();
      expect(rows.filter((r) => r.dispatchedAt === null)).toHaveLength(5);
      expect(rows.find((r) => r.id === during[0]?.id)?.lastError).toBeTruthy();

      // Redis comes back empty: the subscriptions are registered again (and restored by the publisher that knew them).
      await server.start();
      await eventually(async () => expect(await f.world.effects()).toHaveLength(6), 45_000);
      expect((await f.world.effects()).map((e) => e.sku)).toEqual(['OUT-0', 'OUT-1', 'OUT-2', 'OUT-3', 'OUT-4', 'OUT-5']);
    });

    it('registers the subscriptions of a consuming host that started while Redis was down as soon as Redis is up', async () => {
      // Down for longer than the bus waits for its first connection: starting, it cannot register anything.
      await server.stop();
      const consumer = f.world.startProcess(f.bus({}, server.url), { relay: false, consume: true });
      await consumer.ready;
      await server.start();
      // A subscriber of its own, so the table exists without the consumer: were its subscription forgotten, the
      // publisher would route the event to the ghost alone and mark it dispatched, and probe:record would never get it.
      const ghost = f.ghostBus(server.url, 'shadow');
      await ghost.start();
      try {
        const publisher = f.world.startProcess(f.bus({}, server.url), { relay: true, consume: false });
        await eventually(async () => expect((await publisher.bus.subscriptions()).map((s) => s.consumer).sort()).toEqual(['probe:record', 'shadow:ghost']));
        const written = await f.world.write(newKey(), 'LATE-1');
        await eventually(async () => expect((await f.world.effects()).map((e) => e.eventId)).toEqual([written.id]), 20_000);
      } finally {
        await ghost.close();
      }
    });

    it('detects the events a Redis restarted without its data lost, and redrives them: lost 0, duplicated 0', async () => {
      const consumer = f.world.startProcess(f.bus({}, server.url), { relay: false, consume: true });
      await consumer.ready;
      await consumer.stop();
      const publisher = f.world.startProcess(f.bus({}, server.url), { relay: true, consume: false });
      const since = new Date(Date.now() - 1000);
      const written = [];
      for (let i = 0; i < 20; i++) written.push(await f.world.write(newKey(), `LOST-${i}`));
      await eventually(async () => expect((await f.world.outboxRows()).every((r) => r.dispatchedAt !== null)).toBe(true), 15_000);

      // The jobs wait in the stopped consumer's queue; Redis restarts without persistence and they are gone.
      await server.stop();
      await server.start();
      f.world.startProcess(f.bus({}, server.url), { relay: false, consume: true });
      await sleep(500);
      expect(await f.world.effects()).toHaveLength(0);

      const window = { db: f.database.db, tables: eventTables('catalog'), bus: publisher.bus, events: catalogContract.events, since };
      const audit = await eventually(async () => {
        const report = await auditOutbox(window);
        expect(report.missingCount).toBe(20);
        return report;
      }, 10_000);
      expect(new Set(audit.missing.map((m) => m.eventId))).toEqual(new Set(written.map((e) => e.id)));
      expect(await redriveOutbox(window, 'missing')).toMatchObject({ events: 20, republished: 20 });
      await eventually(async () => expect(await f.world.effects()).toHaveLength(20), 20_000);
      expect(new Set((await f.world.effects()).map((e) => e.eventId)).size).toBe(20);
      expect(await auditOutbox(window)).toMatchObject({ missingCount: 0 });
      // A second redrive finds nothing missing and sends nothing.
      expect(await redriveOutbox(window, 'missing')).toMatchObject({ republished: 0 });
    });

    it('does not count events dispatched before a consumer subscribed as missing for it, while Redis keeps the table', async () => {
      const publisher = f.world.startProcess(f.bus({}, server.url), { relay: true, consume: true });
      const since = new Date(Date.now() - 1000);
      for (let i = 0; i < 3; i++) await f.world.write(newKey(), `EARLY-${i}`);
      await eventually(async () => expect(await f.world.effects()).toHaveLength(3));
      await sleep(1500);
      const late = f.ghostBus(server.url, 'shadow');
      await late.start();
      try {
        await eventually(async () => expect((await publisher.bus.subscriptions()).map((s) => s.consumer)).toContain('shadow:ghost'));
        const window = { db: f.database.db, tables: eventTables('catalog'), bus: publisher.bus, events: catalogContract.events, since };
        expect(await auditOutbox(window)).toMatchObject({ events: 3, checked: 3, missingCount: 0 });
      } finally {
        await late.close();
      }
    });

    it('detects the loss also when no process that knew the subscriptions survived it, and what was routed by the half-restored table', async () => {
      // shadow:ghost and probe:record subscribe; neither runs while the events go out, so their jobs wait in Redis.
      const ghost = f.ghostBus(server.url, 'shadow');
      await ghost.start();
      await ghost.close();
      const consumer = f.world.startProcess(f.bus({}, server.url), { relay: false, consume: true });
      await consumer.ready;
      await consumer.stop();
      const publisher = f.world.startProcess(f.bus({}, server.url), { relay: true, consume: false });
      const since = new Date(Date.now() - 1000);
      const before: EventEnvelope[] = [];
      for (let i = 0; i < 10; i++) before.push(await f.world.write(newKey(), `GONE-${i}`));
      await eventually(async () => expect((await f.world.outboxRows()).every((r) => r.dispatchedAt !== null)).toBe(true), 15_000);
      // (Past the slack the audit allows between the f.database's clock and the hosts'.)
      await sleep(1500);

      // Redis restarts empty while the publisher is down too: no running process remembers the subscriptions.
      await publisher.stop();
      await server.stop();
      await server.start();
      // The ghost's host comes back first: the table exists again, with the ghost alone, and a new publisher routes
      // the next events by it, to the ghost only. Then probe:record's host registers again.
      const ghostHost = f.ghostBus(server.url, 'shadow');
      await ghostHost.start();
      const freshPublisher = f.world.startProcess(f.bus({}, server.url), { relay: true, consume: false });
      await freshPublisher.ready;
      const after: EventEnvelope[] = [];
      for (let i = 0; i < 5; i++) after.push(await f.world.write(newKey(), `HOLE-${i}`));
      await eventually(async () => expect((await f.world.outboxRows()).every((r) => r.dispatchedAt !== null)).toBe(true), 15_000);
      await f.world.startProcess(f.bus({}, server.url), { relay: false, consume: true }).ready;
      // (Once the publisher's view of the table has both subscriptions.)
      await eventually(async () => expect((await freshPublisher.bus.subscriptions()).map((s) => s.consumer).sort()).toEqual(['probe:record', 'shadow:ghost']));
      try {
        const window = { db: f.database.db, tables: eventTables('catalog'), bus: freshPublisher.bus, events: catalogContract.events, since };
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
          async () => expect((await f.world.effects()).map((e) => e.eventId).sort()).toEqual([...before, ...after].map((e) => e.id).sort()),
          20_000,
        );
        await eventually(async () => {
          const inbox = await f.database.db.select().from(probeTables.inbox);
          expect(inbox.filter((r) => r.consumer === 'shadow:ghost')).toHaveLength(15);
        }, 20_000);
        expect(await auditOutbox(window)).toMatchObject({ missingCount: 0 });
      } finally {
        await ghostHost.close();
      }
    });

    it('reports a Redis that came back empty once per process that knew its table, and one that kept its data not at all', async () => {
      // Both restarts keep the processes running; the first Redis persists every write, the second nothing.
      const dir = tempDir('redis-aof');
      const durable = await startRedisServer({ appendOnly: { dir, fsync: 'always' } });
      const lost = { publisher: 0, consumer: 0 };
      const counting = (who: keyof typeof lost): DeliveryObserver => ({
        attempt: () => {},
        retry: () => {},
        deadLettered: () => {},
        brokerDataLost: () => void lost[who]++,
      });
      const sent = async (n: number) => {
        await f.world.write(newKey(), `KEPT-${n}`);
        await eventually(async () => expect(await f.world.effects()).toHaveLength(n), 45_000);
      };
      try {
        const processes = (url: string) => {
          f.world.startProcess(f.bus({ observe: counting('publisher') }, url), { relay: true, consume: false });
          f.world.startProcess(f.bus({ observe: counting('consumer') }, url), { relay: false, consume: true });
        };
        processes(durable.url);
        await sent(1);
        await durable.stop();
        await durable.start();
        await sent(2);
        // Past a few re-reads of the table (every 100 ms here): the reconnect and the reads found the table they knew.
        await sleep(1000);
        expect(lost).toEqual({ publisher: 0, consumer: 0 });
        await f.world.reset();

        processes(server.url);
        await sent(1);
        await server.stop();
        await server.start();
        await sent(2);
        await eventually(() => expect(lost).toEqual({ publisher: 1, consumer: 1 }));
        await sent(3);
        await sleep(1000);
        expect(lost).toEqual({ publisher: 1, consumer: 1 });
      } finally {
        if (!durable.running) await durable.start();
        await f.world.reset();
        await durable.stop();
      }
    });

    it('keeps everything it writes to Redis under its prefix', async () => {
      f.world.startProcess(f.bus({}, server.url), { relay: true, consume: true });
      await f.world.write(newKey(), 'PREFIX-1');
      await eventually(async () => expect(await f.world.effects()).toHaveLength(1));
      const redis = new Redis(server.url);
      try {
        const keys = await redis.keys('*');
        expect(keys.length).toBeGreaterThan(0);
        expect(keys.filter((k) => !k.startsWith(`${f.namespace}:`))).toEqual([]);
      } finally {
        redis.disconnect();
      }
    });
  });
});
