import { cpSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postgresTestDatabase, testDatabases } from '../../tests/support/databases.ts';
import { tempDir } from '../../tests/support/temp-dir.ts';
import { openDatabase, type DatabaseHandle } from './database.ts';
import { migrateSchema, pendingMigrations, resultRows } from './migrate.ts';

const catalogMigrations = fileURLToPath(new URL('../../migrations/catalog', import.meta.url));

describe.each(testDatabases)('migrations on $name', (testDatabase) => {
  let database: DatabaseHandle;
  beforeEach(async () => {
    database = await testDatabase.open();
  });
  afterEach(() => database.close());

  it('apply once; a second run applies nothing', async () => {
    const first = await migrateSchema(database.db, 'catalog', catalogMigrations);
    expect(first.applied).toEqual(['0000_catalog', '0001_catalog', '0002_catalog']);
    const second = await migrateSchema(database.db, 'catalog', catalogMigrations);
    expect(second.applied).toEqual([]);
    expect(await pendingMigrations(database.db, 'catalog', catalogMigrations)).toBe(0);
  });

  it('a new migration file is applied on the next run', async () => {
    const folder = tempDir('migrations');
    cpSync(catalogMigrations, folder, { recursive: true });
    await migrateSchema(database.db, 'catalog', folder);
    writeFileSync(join(folder, '0001_extra.sql'), 'ALTER TABLE "catalog"."products" ADD COLUMN "colour" text;');
    const journalPath = join(folder, 'meta', '_journal.json');
    const journal = JSON.parse((await import('node:fs')).readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
    journal.entries.push({ tag: '0001_extra' });
    writeFileSync(journalPath, JSON.stringify(journal));
    expect(await pendingMigrations(database.db, 'catalog', folder)).toBe(1);
    expect((await migrateSchema(database.db, 'catalog', folder)).applied).toEqual(['0001_extra']);
    const columns = resultRows<{ column_name: string }>(
      await database.db.execute(sql`select column_name from information_schema.columns where table_schema = 'catalog' and table_name = 'products'`),
    );
    expect(columns.map((c) => c.column_name)).toContain('colour');
  });

  it('an applied migration that was edited stops the run', async () => {
    const folder = tempDir('migrations');
    cpSync(catalogMigrations, folder, { recursive: true });
    await migrateSchema(database.db, 'catalog', folder);
    appendFileSync(join(folder, '0000_catalog.sql'), '\n-- edited');
    await expect(migrateSchema(database.db, 'catalog', folder)).rejects.toThrow('Migration catalog/0000_catalog was changed after it was applied');
  });

  it('a missing journal is a readable error', async () => {
    await expect(migrateSchema(database.db, 'catalog', join(tmpdir(), 'no-such-folder'))).rejects.toThrow(/No migrations journal at .*npm run db:generate/);
  });
});

describe.skipIf(!postgresTestDatabase)('migrations from two processes at once (PostgreSQL)', () => {
  it('apply each migration exactly once', async () => {
    const database = await (postgresTestDatabase as NonNullable<typeof postgresTestDatabase>).open();
    // Separate pools stand in for separate processes: each has its own connections and its own transaction.
    const others = await Promise.all([0, 1, 2].map(() => openDatabase({ url: database.url, maxConnections: 2 })));
    try {
      const results = await Promise.all(others.map((o) => migrateSchema(o.db, 'catalog', catalogMigrations)));
      expect(results.flatMap((r) => r.applied)).toEqual(['0000_catalog', '0001_catalog', '0002_catalog']);
    } finally {
      await Promise.all(others.map((o) => o.close()));
      await database.close();
    }
  });
});
