import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogModule } from '../../modules/catalog/index.ts';
import { loadConfig } from '../../platform/config/index.ts';
import { eventTables } from '../../platform/events/index.ts';
import { createRetentionJob } from '../../platform/host/retention-job.ts';
import { retentionPlan } from '../../platform/host/retention-plan.ts';
import { openWorld, type World } from '../support/buses/world.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { testLogger } from '../support/test-host.ts';

const log = testLogger();
const catalog = eventTables('catalog');
const day = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * day);

describe.each(testDatabases)('the retention job on delivery records on $name', (testDatabase) => {
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

  it('deletes what is past its retention, in batches, and never what is still needed', async () => {
    const { db } = database;
    const envelope = await world.write(randomUUID(), 'SEED');
    const row = (id: string, createdAt: Date, dispatchedAt: Date | null) => ({
      id,
      name: envelope.name,
      version: 1,
      aggregateKey: randomUUID(),
      envelope: { ...envelope, id },
      createdAt,
      dispatchedAt,
    });
    await db.delete(catalog.outbox);
    const oldDispatched = Array.from({ length: 1500 }, () => row(randomUUID(), ago(10), ago(10)));
    const recent = row(randomUUID(), ago(1), ago(1));
    const oldPending = row(randomUUID(), ago(10), null);
    for (let i = 0; i < oldDispatched.length; i += 500) await db.insert(catalog.outbox).values(oldDispatched.slice(i, i + 500));
    await db.insert(catalog.outbox).values([recent, oldPending]);
    const inboxOld = Array.from({ length: 2100 }, () => ({ eventId: randomUUID(), consumer: 'inventory:x', handledAt: ago(20) }));
    for (let i = 0; i < inboxOld.length; i += 700) await db.insert(catalog.inbox).values(inboxOld.slice(i, i + 700));
    await db.insert(catalog.inbox).values({ eventId: randomUUID(), consumer: 'inventory:x', handledAt: ago(3) });
    const letter = (replayedAt: Date | null, failedAt: Date) => ({
      id: randomUUID(),
      eventId: randomUUID(),
      consumer: 'catalog:x',
      eventName: 'x.y',
      eventVersion: 1,
      envelope,
      error: 'e',
      attempts: 1,
      failedAt,
      replayedAt,
    });
    const pendingOld = letter(null, ago(60));
    const replayedOld = letter(ago(30), ago(31));
    const replayedRecent = letter(ago(2), ago(3));
    await db.insert(catalog.deadLetters).values([pendingOld, replayedOld, replayedRecent]);

    const config = loadConfig({ OUTBOX_RETENTION: '7d', INBOX_RETENTION: '14d', DEAD_LETTER_RETENTION: '14d' });
    const job = createRetentionJob({ module: 'catalog', db, plan: retentionPlan(catalogModule, config), log });
    const rows = async () => Object.fromEntries((await job.run()).map((t) => [t.table, t.rows]));
    expect(await rows()).toEqual({ outbox: 1500, inbox: 2100, dead_letters: 1 });
    expect((await db.select({ id: catalog.outbox.id }).from(catalog.outbox)).map((r) => r.id).sort()).toEqual([recent.id, oldPending.id].sort());
    expect(await db.select().from(catalog.inbox)).toHaveLength(1);
    expect((await db.select({ id: catalog.deadLetters.id }).from(catalog.deadLetters)).map((r) => r.id).sort()).toEqual(
      [pendingOld.id, replayedRecent.id].sort(),
    );
    expect(job.status().lastRun?.tables).toContainEqual({ table: 'outbox', action: 'delete', rows: 1500 });
    // A second run finds nothing more.
    expect(await rows()).toEqual({ outbox: 0, inbox: 0, dead_letters: 0 });
    await db.execute(sql`truncate catalog.inbox, catalog.dead_letters`);
  });
});
