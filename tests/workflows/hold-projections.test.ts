import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateSchema } from '../../platform/db/index.ts';
import { eventSourcingMigrations, holdProjections } from '../../platform/event-sourcing/index.ts';
import { postgresTestDatabase, type TestDatabaseHandle } from '../support/databases.ts';
import { eventually } from '../support/test-host.ts';

/**
 * `holdProjections`, which an erasure takes before pseudonymising projected rows: it waits for a projection batch in
 * flight (a batch holds its checkpoint row), so no batch that read the old data commits after the change.
 */
describe.skipIf(!postgresTestDatabase)('holding projections on PostgreSQL', () => {
  let database: TestDatabaseHandle;
  beforeAll(async () => {
    database = await (postgresTestDatabase as NonNullable<typeof postgresTestDatabase>).open();
    await database.db.execute(sql`drop schema if exists held cascade`);
    await migrateSchema(database.db, 'held', eventSourcingMigrations('held'));
    await database.db.execute(sql`insert into held.es_checkpoints ("projection", "version") values ('list', 1), ('list#rebuild', 1)`);
    await database.db.execute(sql`create table held.list_rows__rebuild (id int)`);
  });
  afterAll(async () => {
    await database.db.execute(sql`drop schema if exists held cascade`);
    await database.close();
  });

  it('waits for a batch holding a checkpoint, then names the rebuild copies that exist', async () => {
    const batch = postgres(database.url as string, { max: 2, onnotice: () => {} });
    try {
      const holder = await batch.reserve();
      await holder`begin`;
      await holder`select 1 from held.es_checkpoints where "projection" = 'list#rebuild' for update`;
      let held: string[] | undefined;
      const holding = database.db.transaction(async (tx) => {
        held = (await holdProjections(tx, 'held', ['list_rows', 'other_rows'])).map((r) => r.table);
      });
      await eventually(async () => {
        const [waiting] = await batch`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
        expect(waiting?.n).toBe(1);
      });
      expect(held).toBeUndefined();
      await holder`commit`;
      holder.release();
      await holding;
      expect(held).toEqual(['list_rows']);
    } finally {
      await batch.end();
    }
  });
});
