import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { Host } from '../../platform/host/index.ts';
import { createSagaRunner } from '../../platform/sagas/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { testLogger } from '../support/test-host.ts';
import { book, effectsOf, sagaIn, sagaOf, startSagaHost } from './support/saga-host.ts';
import { bookTrip } from './support/book-trip.ts';

describe.each(testDatabases)('saga leases on $name', { timeout: 180_000 }, (testDatabase) => {
  let database: TestDatabaseHandle | undefined;
  const hosts: Host[] = [];
  afterEach(async () => {
    for (const h of hosts.splice(0)) await h.stop();
    await database?.close();
    database = undefined;
  });

  it('a saga leased by a replica that died is left alone until its lease expires, then taken over and finished', async () => {
    database = await testDatabase.open();
    hosts.push(await startSagaHost(database));
    await (hosts.pop() as Host).stop();
    // What a replica that crashed holding the saga leaves behind: the row, leased for 4 s more.
    const saga = bookTrip();
    const dead = createSagaRunner({ module: 'trips', db: database.db, sagas: [saga], log: testLogger(), audit: undefined as never, context: () => undefined });
    const id = randomUUID();
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into trips.bookings (id, status) values (${id}, 'pending')`);
      await dead.start(tx, saga, { bookingId: id }, { id });
    });
    expect(await dead.store.claim('dead-replica', 4000, 1, ['book-trip'])).toHaveLength(1);

    const h = await startSagaHost(database);
    hosts.push(h);
    await new Promise((r) => setTimeout(r, 500));
    const waiting = await sagaOf(h, id);
    expect(waiting.history.map((e) => e.action)).toEqual(['start']);
    const done = await sagaIn(h, id, ['completed']);
    expect(done.history.filter((e) => e.action === 'intent')).toHaveLength(5);
    expect((await effectsOf(h, 'payments', id))['charge-card']).toMatchObject({ effects: 1 });
  });

  it('two replicas over one database share the sagas, never running one step twice', async () => {
    database = await testDatabase.open();
    const [a, b] = [await startSagaHost(database), await startSagaHost(database)] as [Host, Host];
    hosts.push(a, b);
    const ids = Array.from({ length: 8 }, () => randomUUID());
    for (const [i, id] of ids.entries()) expect((await book(i % 2 ? a : b, id)).status).toBe(202);
    for (const id of ids) {
      const saga = await sagaIn(a, id, ['completed']);
      const intents = saga.history.filter((e) => e.action === 'intent').map((e) => e.step);
      expect(intents).toEqual(['reserve-room', 'charge-card', 'confirm-booking', 'issue-voucher', 'capture-payment']);
      expect(saga.history.filter((e) => e.action === 'invoke')).toHaveLength(5);
      for (const module of ['rooms', 'payments'] as const)
        for (const effect of Object.values(await effectsOf(a, module, id))) expect(effect).toMatchObject({ effects: 1, compensations: 0 });
    }
  });
});
