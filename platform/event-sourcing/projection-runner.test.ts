import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { migrateSchema, resultRows, type DatabaseHandle } from '../db/index.ts';
import { defineEvent } from '../events/index.ts';
import { createLogger } from '../observability/index.ts';
import { defineAggregate } from './define-aggregate.ts';
import { defineProjection } from './define-projection.ts';
import { eventSourcingMigrations } from './migrations.ts';
import { createProjectionRunner } from './projection-runner.ts';
import { openTestPglite } from '../../tests/support/pglite-image.ts';

const noted = defineEvent({ name: 'notes.noted', version: 1, schema: z.object({ id: z.string(), text: z.string() }), key: (p) => p.id });
const note = defineAggregate({ name: 'note', events: { noted }, initial: () => [] as string[], evolve: (s, e) => [...s, e.payload.text] });
const journal = defineProjection({
  name: 'journal',
  version: 1,
  from: [note],
  tables: { journal: '"seq" bigint PRIMARY KEY, "stream" text NOT NULL, "version" integer NOT NULL, "text" text NOT NULL' },
  async handle(tx, e, t) {
    await tx.execute(sql`insert into ${t.journal} values (${e.seq}, ${e.streamId}, ${e.version}, ${e.payload.text})`);
  },
});

describe('the projection runner on PGlite', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestPglite();
    await migrateSchema(database.db, 'notes', eventSourcingMigrations('notes'));
  });
  afterAll(() => database.close());

  it('handles every event once, in stream order, across transaction ids of different lengths (ordered as xid8, not text)', async () => {
    const { db } = database;
    const runner = createProjectionRunner({
      module: 'notes',
      db,
      projections: [journal],
      log: createLogger({ level: 'silent', format: 'json' }),
      pollMs: 50,
      batchSize: 7,
    });
    const xid = async () => BigInt(resultRows<{ x: string }>(await db.execute(sql`select pg_current_xact_id()::text as x`))[0]?.x ?? 0);
    const append = (id: string, version: number) =>
      db.transaction((tx) => note.append(tx, id, version, [{ type: 'noted', payload: { id, text: `${id}${version}` } }]));
    for (let v = 0; v < 5; v++) await append('a', v);
    // Burn transaction ids up to the next power of ten, so that ids as text would sort "10000" before "9999".
    const start = await xid();
    const next = 10n ** BigInt(start.toString().length);
    while ((await xid()) < next);
    for (let v = 5; v < 10; v++) await append('a', v);
    await runner.drain();
    const rows = resultRows<{ stream: string; version: number }>(await db.execute(sql`select "stream", "version" from "notes"."journal" order by "seq"`));
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await runner.status())[0]).toMatchObject({ name: 'journal', liveVersion: 1, live: { handled: 10, lagEvents: 0 }, rebuild: null, lastError: null });
  });

  it('a failing handle rolls its batch back, shows as lastError, and the batch is handled once it succeeds', async () => {
    const { db } = database;
    let fail = true;
    const flaky = defineProjection({
      ...journal,
      name: 'flaky',
      tables: { flaky: journal.tables.journal },
      async handle(tx, e, t) {
        if (fail) throw new Error('not today');
        await tx.execute(sql`insert into ${t.flaky} values (${e.seq}, ${e.streamId}, ${e.version}, ${e.payload.text})`);
      },
    });
    const runner = createProjectionRunner({ module: 'notes', db, projections: [flaky], log: createLogger({ level: 'silent', format: 'json' }), pollMs: 50 });
    await runner.drain();
    expect((await runner.status())[0]).toMatchObject({ lastError: 'not today', live: { handled: 0, lagEvents: 10 } });
    fail = false;
    await runner.drain();
    expect((await runner.status())[0]).toMatchObject({ lastError: null, live: { handled: 10, lagEvents: 0 } });
  });

  it('a projection whose version rises is rebuilt into shadow tables and swapped in; a second rebuild meanwhile is refused', async () => {
    const { db } = database;
    const log = createLogger({ level: 'silent', format: 'json' });
    const v2 = defineProjection({ ...journal, version: 2 });
    const runner = createProjectionRunner({ module: 'notes', db, projections: [v2], log, pollMs: 50 });
    const before = (await runner.status())[0];
    expect(before).toMatchObject({ version: 2, liveVersion: 1, rebuild: null });
    await expect(runner.rebuild('journal')).rejects.toMatchObject({ kind: 'conflict', code: 'platform/projection-rebuild-running' });
    expect((await runner.status())[0]).toMatchObject({ liveVersion: 1, rebuild: { seq: 0 } });
    await runner.drain();
    expect((await runner.status())[0]).toMatchObject({ liveVersion: 2, rebuild: null, rebuiltAt: expect.any(String), live: { handled: 10, lagEvents: 0 } });
    const rows = resultRows<{ version: number }>(await db.execute(sql`select "version" from "notes"."journal" order by "seq"`));
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await expect(runner.rebuild('nope')).rejects.toMatchObject({ kind: 'not_found', code: 'platform/unknown-projection' });
  });
});
