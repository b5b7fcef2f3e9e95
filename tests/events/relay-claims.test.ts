import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventTables } from '../../platform/events/index.ts';
import { gatedBus } from '../support/buses/bus-kinds.ts';
import { newKey, openWorld, type World } from '../support/buses/world.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { eventually, testLogger } from '../support/test-host.ts';

const log = testLogger();
const outbox = eventTables('catalog').outbox;

describe.each(testDatabases)('relay claims on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let world: World;
  const published: string[] = [];
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

  const stick = () => {
    gate.promise = new Promise<void>((r) => (release = r));
  };

  it('a stuck aggregate holds back no other: with 150 dispatches hanging, 44 other keys are delivered', async () => {
    stick();
    const stuck = [];
    for (let i = 0; i < 150; i++) stuck.push(await world.write(newKey(), `STUCK-${i}`));
    world.startProcess(
      gatedBus(log, gate, (envelope) => published.push(envelope.id)),
      { relay: true, consume: true, maxInFlight: 200 },
    );
    await eventually(() => expect(new Set(published).size).toBe(150), 20_000);
    const free = [];
    for (let i = 0; i < 44; i++) free.push(await world.write(newKey(), `FREE-${i}`));
    await eventually(async () => expect(await world.effects()).toHaveLength(44), 20_000);
    expect(new Set((await world.effects()).map((e) => e.eventId))).toEqual(new Set(free.map((e) => e.id)));
    release();
    await eventually(async () => expect(await world.effects()).toHaveLength(194), 20_000);
    expect(stuck).toHaveLength(150);
  });

  it('a second relay adds throughput: it takes the free heads while the first is full of stuck dispatches', async () => {
    stick();
    for (let i = 0; i < 20; i++) await world.write(newKey(), `STUCK-${i}`);
    // The first relay has room for twenty: all of it is taken by the stuck events.
    world.startProcess(
      gatedBus(log, gate, (envelope) => published.push(envelope.id)),
      { relay: true, consume: true, maxInFlight: 20 },
    );
    await eventually(() => expect(new Set(published).size).toBe(20), 20_000);
    const free = [];
    for (let i = 0; i < 30; i++) free.push(await world.write(newKey(), `FREE-${i}`));
    world.startProcess(
      gatedBus(log, gate, (envelope) => published.push(envelope.id)),
      { relay: true, consume: true, maxInFlight: 20 },
    );
    await eventually(async () => expect(await world.effects()).toHaveLength(30), 20_000);
  });

  it('keeps the order of a key whose head is stuck: its next event waits, on every relay', async () => {
    stick();
    const key = newKey();
    const head = await world.write(key, 'STUCK-head');
    const next = await world.write(key, 'NEXT');
    world.startProcess(
      gatedBus(log, gate, (envelope) => published.push(envelope.id)),
      { relay: true, consume: true },
    );
    world.startProcess(
      gatedBus(log, gate, (envelope) => published.push(envelope.id)),
      { relay: true, consume: true },
    );
    await eventually(() => expect(published).toContain(head.id), 20_000);
    // Give both relays several sweeps: neither may take the next event while the head is in flight.
    await new Promise((r) => setTimeout(r, 500));
    expect(published).not.toContain(next.id);
    release();
    await eventually(async () => expect((await world.effects()).map((e) => e.eventId)).toEqual([head.id, next.id]), 20_000);
  });

  it('takes over the rows of a relay that died once their short lease lapses, not after minutes', async () => {
    const envelope = await world.write(newKey(), 'ORPHAN-1');
    // A relay claimed the row and died: nobody renews its lease.
    await database.db
      .update(outbox)
      .set({ claimedBy: 'a-relay-that-died', claimedUntil: new Date(Date.now() + 1000) })
      .where(eq(outbox.id, envelope.id));
    world.startProcess(
      gatedBus(log, gate, (envelope) => published.push(envelope.id)),
      { relay: true, consume: true, leaseMs: 1000 },
    );
    await eventually(async () => expect((await world.effects()).map((e) => e.eventId)).toEqual([envelope.id]), 15_000);
  });

  it('renews the lease of a dispatch that outlives it, so no other relay takes the row meanwhile', async () => {
    world.controls.hold = new Promise<void>((r) => setTimeout(r, 4000));
    const envelope = await world.write(newKey(), 'HOLD-1');
    world.startProcess(
      gatedBus(log, gate, (envelope) => published.push(envelope.id)),
      { relay: true, consume: true, leaseMs: 1500 },
    );
    await eventually(() => expect(world.controls.held).toContain(envelope.id), 10_000);
    world.startProcess(
      gatedBus(log, gate, (envelope) => published.push(envelope.id)),
      { relay: true, consume: true, leaseMs: 1500 },
    );
    await eventually(async () => expect(await world.effects()).toHaveLength(1), 15_000);
    expect(published.filter((id) => id === envelope.id)).toHaveLength(1);
  });

  it.skipIf(testDatabase.name !== 'postgres')('two relays racing over 400 events hand each to the bus once', async () => {
    const keys = Array.from({ length: 40 }, newKey);
    const written = [];
    for (let i = 0; i < 400; i++) written.push(await world.write(keys[i % keys.length] as string, `RACE-${i}`));
    for (let i = 0; i < 3; i++)
      world.startProcess(
        gatedBus(log, gate, (envelope) => published.push(envelope.id)),
        { relay: true, consume: true },
      );
    await eventually(async () => expect(await world.effects()).toHaveLength(400), 30_000);
    expect(published).toHaveLength(400);
    expect(new Set(published).size).toBe(400);
    expect(world.outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(0);
  });
});
