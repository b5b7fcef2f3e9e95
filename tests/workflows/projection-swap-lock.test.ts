import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { migrateSchema, resultRows } from '../../platform/db/index.ts';
import { defineEvent } from '../../platform/events/index.ts';
import { defineAggregate, defineProjection, eventSourcingMigrations, createProjectionRunner } from '../../platform/event-sourcing/index.ts';
import { createLogger, errorChain } from '../../platform/observability/index.ts';
import { postgresTestDatabase, type TestDatabaseHandle } from '../support/databases.ts';
import { eventually } from '../support/test-host.ts';

const noted = defineEvent({ name: 'swaps.noted', version: 1, schema: z.object({ id: z.string(), text: z.string() }), key: (p) => p.id });
const note = defineAggregate({ name: 'note', events: { noted }, initial: () => [] as string[], evolve: (s, e) => [...s, e.payload.text] });
const list = defineProjection({
  name: 'list',
  version: 1,
  from: [note],
  tables: { list_rows: '"seq" bigint PRIMARY KEY, "text" text NOT NULL' },
  async handle(tx, e, t) {
    await tx.execute(sql`insert into ${t.list_rows} values (${e.seq}, ${e.payload.text})`);
  },
});

/**
 * A rebuild's swap drops the live tables, which waits for their readers and queues every new reader behind it: a
 * read-only report (or a pg_dump) must not make the model unreadable for as long as it runs.
 */
describe.skipIf(!postgresTestDatabase)('a projection swap behind a long read on PostgreSQL', () => {
  let database: TestDatabaseHandle;
  beforeAll(async () => {
    database = await (postgresTestDatabase as NonNullable<typeof postgresTestDatabase>).open();
    await database.db.execute(sql`drop schema if exists swaps cascade`);
    await migrateSchema(database.db, 'swaps', eventSourcingMigrations('swaps'));
  });
  afterAll(async () => {
    await database.db.execute(sql`drop schema if exists swaps cascade`);
    await database.close();
  });

  it('waits for the reader without blocking other readers, and swaps in once the read ends', async () => {
    const { db } = database;
    const runner = createProjectionRunner({ module: 'swaps', db, projections: [list], log: createLogger({ level: 'silent', format: 'json' }), pollMs: 50 });
    for (let i = 0; i < 5; i++) await db.transaction((tx) => note.append(tx, `n${i}`, 0, [{ type: 'noted', payload: { id: `n${i}`, text: `t${i}` } }]));
    await runner.drain();
    const others = postgres(database.url as string, { max: 3, onnotice: () => {} });
    const report = await others.reserve();
    try {
      await report`begin isolation level repeatable read`;
      await report`select count(*) from swaps.list_rows`;
      await runner.rebuild('list');
      // The rebuild catches up, then its swap gives up on the lock instead of queueing readers behind it.
      await runner.drain();
      expect((await runner.status())[0]).toMatchObject({ liveVersion: 1, rebuild: { handled: 5 }, rebuiltAt: null });
      // A reader that comes meanwhile is answered (a queued swap would hold it for as long as the report runs).
      const [read] = await Promise.race([
        others`select count(*)::int as n from swaps.list_rows`,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the read waited behind the swap')), 20_000)),
      ]);
      expect(read?.n).toBe(5);
      await report`commit`;
      await runner.drain();
      expect((await runner.status())[0]).toMatchObject({ liveVersion: 1, rebuild: null, rebuiltAt: expect.any(String), live: { handled: 5 } });
      expect(resultRows<{ n: number }>(await db.execute(sql`select count(*)::int as n from swaps.list_rows`))[0]?.n).toBe(5);
    } finally {
      report.release();
      await others.end({ timeout: 5 });
    }
  });

  it('reads its status behind a lock on the event store once for every caller, waiting for the lock at most 2 s', async () => {
    const { db } = database;
    const runner = createProjectionRunner({ module: 'swaps', db, projections: [list], log: createLogger({ level: 'silent', format: 'json' }), pollMs: 50 });
    const holder = postgres(database.url as string, { max: 1, onnotice: () => {} });
    const observer = postgres(database.url as string, { max: 1, onnotice: () => {} });
    const waiting = async () =>
      (await observer`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%es_events%'`)[0]?.n;
    try {
      // Held until the end of the test (the connection is ended), or 60 s as a bound for a test that would hang.
      holder
        .begin(async (tx) => {
          await tx`lock table swaps.es_events in access exclusive mode`;
          await new Promise((resolve) => setTimeout(resolve, 60_000).unref());
        })
        .catch(() => {});
      await eventually(async () =>
        expect(
          (
            await observer`select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
            where c.relname = 'es_events' and l.mode = 'AccessExclusiveLock' and l.granted`
          )[0]?.n,
        ).toBe(1),
      );
      // Five callers at once (a page refreshing, health, a scrape): one read waits on the lock, and it gives up.
      const reads = Array.from({ length: 5 }, () =>
        runner.status().then(
          () => 'read',
          (error: unknown) => error,
        ),
      );
      await eventually(async () => expect(await waiting()).toBe(1));
      const outcomes = await Promise.all(reads);
      for (const outcome of outcomes) expect([...errorChain(outcome)].some((e) => (e as { code?: unknown }).code === '55P03')).toBe(true);
      expect(await waiting()).toBe(0);
    } finally {
      await holder.end({ timeout: 0 });
      await observer.end();
    }
    // With the lock gone it reads again.
    expect((await runner.status())[0]).toMatchObject({ name: 'list', live: expect.anything() });
  });
});
