import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { migrateSchema, resultRows } from '../../platform/db/index.ts';
import { defineEvent } from '../../platform/events/index.ts';
import { defineAggregate, defineProjection, eventSourcingMigrations, createProjectionRunner } from '../../platform/event-sourcing/index.ts';
import { createLogger } from '../../platform/observability/index.ts';
import { postgresTestDatabase, type TestDatabaseHandle } from '../support/databases.ts';

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
});
