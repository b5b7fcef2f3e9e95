import process from 'node:process';
import { Queue } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import { productCreatedV1 } from '../../modules/catalog/index.ts';
import type { EventEnvelope } from '../../platform/events/index.ts';
import { testRedisUrl, withModuleQueues } from '../support/buses/bus-kinds.ts';
import { probeTables, useFaultsWorld } from '../support/buses/faults-world.ts';
import { newKey } from '../support/buses/world.ts';
import { testDatabases } from '../support/databases.ts';
import { eventually } from '../support/test-host.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
if (!testRedisUrl) process.stdout.write('\n  BullMQ faults: TEST_REDIS_URL is not set; SKIPPED.\n');

// Redis stopped and restarted under the bus: bullmq-redis-restarts.test.ts.
describe.skipIf(!testRedisUrl).each(testDatabases)('the BullMQ bus under faults, on $name', (testDatabase) => {
  const lines: Record<string, unknown>[] = [];
  const f = useFaultsWorld(testDatabase, lines);

  it('keeps the events a relay meets with its bus closed (the host stopping) in the outbox, quietly: no warning, sent by the next process', async () => {
    const publisher = f.world.startProcess(f.bus(), { relay: true, consume: false });
    await publisher.ready;
    await publisher.bus.close();
    const written = await f.world.write(newKey(), 'HELD-AT-STOP');
    await eventually(() => expect(lines.some((l) => l.msg === 'outbox event held: the host is stopping' && l.eventId === written.id)).toBe(true), 20_000);
    expect(lines.filter((l) => l.msg === 'outbox dispatch failed' && l.eventId === written.id)).toEqual([]);
    expect((await f.world.outboxRows()).find((r) => r.id === written.id)?.dispatchedAt).toBeNull();
    await publisher.stop();
    f.world.startProcess(f.bus(), { relay: true, consume: true });
    await eventually(async () => expect((await f.world.effects()).map((e) => e.eventId)).toEqual([written.id]), 30_000);
  });

  it('puts a job for a consumer this process lacks back, until a replica that has it takes it (a rolling deploy)', async () => {
    const registering = f.ghostBus();
    await registering.start();
    await registering.close();
    // The old version of the consumer lacks the ghost handler; the new version has it.
    const old = f.world.startProcess(f.bus({ unroutedGraceMs: 60_000 }), { relay: false, consume: true });
    // Registered before the publisher routes (a consumer registered later is not owed the event).
    await old.ready;
    f.world.startProcess(f.bus(), { relay: true, consume: false });
    const envelope = await f.world.write(newKey(), 'GHOST-1');
    await eventually(async () => expect(await f.world.effects()).toHaveLength(1));
    // The ghost's job keeps coming back to this process, which puts it back; a replica hosting the ghost takes it.
    await sleep(300);
    expect(await f.world.deadLetters.list()).toHaveLength(0);
    const replica = f.ghostBus();
    await replica.start();
    // The old replica goes away; its partitions, with the job it kept putting back, move to the new one.
    await old.stop();
    try {
      await eventually(async () => {
        const inbox = await f.database.db.select().from(probeTables.inbox);
        expect(inbox.map((r) => `${r.consumer} ${r.eventId}`).sort()).toEqual([`probe:ghost ${envelope.id}`, `probe:record ${envelope.id}`]);
      }, 20_000);
    } finally {
      await replica.close();
    }
  });

  it('dead-letters a job for a consumer no process took within the grace period', async () => {
    const registering = f.ghostBus();
    await registering.start();
    await registering.close();
    f.world.startProcess(f.bus({ unroutedGraceMs: 1500 }), { relay: true, consume: true });
    const envelope = await f.world.write(newKey(), 'GHOST-2');
    const [letter] = await eventually(async () => {
      const letters = await f.world.deadLetters.list();
      expect(letters).toHaveLength(1);
      return letters;
    }, 20_000);
    expect(letter).toMatchObject({ consumer: 'probe:ghost', eventId: envelope.id });
    expect(letter?.error).toContain('No process hosting probe:ghost took this event');
    expect((await f.world.effects()).map((e) => e.eventId)).toEqual([envelope.id]);
  });

  it('dead-letters a job that carries no readable event, and the queue moves on', async () => {
    const node = f.world.startProcess(f.bus(), { relay: true, consume: true });
    await node.ready;
    await withModuleQueues(f.namespace, f.url, 'probe', async (queues) => {
      await queues[0]?.add('garbage', { consumer: 'probe:record', envelope: { id: 'not-a-uuid', payload: 42 } } as never);
      await queues[1]?.add('garbage', { nothing: true } as never);
    });
    const letters = await eventually(async () => {
      const list = await f.world.deadLetters.list();
      expect(list).toHaveLength(2);
      return list;
    }, 15_000);
    for (const letter of letters) expect(letter.error).toContain('carries no readable event');
    const next = await f.world.write(newKey(), 'AFTER-GARBAGE');
    await eventually(async () => expect((await f.world.effects()).map((e) => e.eventId)).toEqual([next.id]));
  });

  it('routes by the durable subscription table: a consumer deployed after the publisher gets what is published from then on', async () => {
    const publisher = f.world.startProcess(f.bus(), { relay: true, consume: false });
    await publisher.ready;
    // Nobody has registered yet: routing is paused and the event waits in the outbox instead of going nowhere.
    const early = await f.world.write(newKey(), 'EARLY');
    await eventually(async () => expect((await f.world.outboxRows())[0]?.lastError).toContain('subscription table'));
    expect(publisher.bus.routingPaused).toBeTruthy();
    f.world.startProcess(f.bus(), { relay: false, consume: true });
    const later = await f.world.write(newKey(), 'LATER');
    await eventually(async () => expect((await f.world.effects()).map((e) => e.eventId).sort()).toEqual([early.id, later.id].sort()), 15_000);
    expect(publisher.bus.routingPaused).toBeUndefined();
  });

  it('holds the events of a module the topology expects elsewhere until a host of it registers: it gets what was published before it started', async () => {
    const expected = { event: productCreatedV1.name, version: productCreatedV1.version, consumer: 'stock:ghost', module: 'stock' };
    const consumer = f.world.startProcess(f.bus(), { relay: false, consume: true });
    // The table exists (the probe registered), but no host of `stock` has: routing by it alone would lose the event.
    await consumer.ready;
    const publisher = f.world.startProcess(f.bus({ awaited: [expected] }), { relay: true, consume: false });
    const early = await f.world.write(newKey(), 'EARLY');
    await eventually(async () => expect((await f.world.outboxRows())[0]?.lastError).toContain('stock:ghost'));
    expect(publisher.bus.routingPaused).toContain('stock');
    // Held as one event: the probe does not get it ahead of the module it waits for.
    expect(await f.world.effects()).toHaveLength(0);
    const ghost = f.ghostBus(undefined, 'stock');
    await ghost.start();
    try {
      const later = await f.world.write(newKey(), 'LATER');
      await eventually(async () => {
        const inbox = await f.database.db.select().from(probeTables.inbox);
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
    const consumer = f.world.startProcess(f.bus(), { relay: false, consume: true });
    await consumer.ready;
    // A publisher that reads the table at most every 3 s.
    f.world.startProcess(f.bus({ subscriptionRefreshMs: 3000 }), { relay: true, consume: false });
    const before = await f.world.write(newKey(), 'BEFORE');
    await eventually(async () => expect((await f.world.effects()).map((e) => e.eventId)).toEqual([before.id]));
    // Registered after the publisher read the table; the next event is routed by that copy, without it.
    const ghost = f.ghostBus(undefined, 'stock');
    await ghost.start();
    const missed = await f.world.write(newKey(), 'MISSED');
    try {
      await eventually(async () => {
        const inbox = await f.database.db.select().from(probeTables.inbox);
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
    f.world.controls.maxDelayMs = 10;
    f.world.startProcess(f.bus(), { relay: true, consume: false, name: 'publisher' });
    const replicas = ['a', 'b', 'c'].map((name) => f.world.startProcess(f.bus(), { relay: false, consume: true, name }));
    await Promise.all(replicas.map((r) => r.ready));
    // The replicas split the four partitions between them (a fair share each) before the events come.
    await eventually(() => {
      const owned = replicas.map((r) => r.bus.ownership?.().probe ?? []);
      expect(owned.every((o) => o.length >= 1 && o.length <= 2)).toBe(true);
      expect(new Set(owned.flat()).size).toBe(4);
    }, 15_000);
    const keys = Array.from({ length: 12 }, newKey);
    for (let i = 0; i < 8; i++) for (const key of keys) await f.world.write(key, String(i));
    await eventually(async () => expect(await f.world.effects()).toHaveLength(96), 30_000);
    const effects = await f.world.effects();
    for (const key of keys) expect(effects.filter((e) => e.productId === key).map((e) => e.sku)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    const byReplica = new Set(f.world.outcomes.map((o) => o.process));
    expect(byReplica.size).toBeGreaterThan(1);
  });

  it('adds the jobs of publishes made in the same turn with one addBulk per queue, each publish resolving with its batch', async () => {
    const consumer = f.world.startProcess(f.bus(), { relay: false, consume: true });
    const publisher = f.world.startProcess(f.bus(), { relay: false, consume: false });
    await Promise.all([consumer.ready, publisher.ready]);
    const envelopes: EventEnvelope[] = [];
    for (let i = 0; i < 40; i++) envelopes.push(await f.world.write(newKey(), `TURN-${i}`));
    const addBulk = vi.spyOn(Queue.prototype, 'addBulk');
    try {
      await Promise.all(envelopes.map((e) => publisher.bus.publish(e)));
      // Four partitions of the probe's queue: at most one call each, however many events.
      expect(addBulk.mock.calls.length).toBeLessThanOrEqual(4);
      expect(addBulk.mock.calls.flatMap((c) => c[0]).length).toBe(40);
    } finally {
      addBulk.mockRestore();
    }
    await eventually(async () => expect(await f.world.effects()).toHaveLength(40), 20_000);
  });
});
