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

  it('during a rollout, an older replica neither feeds nor swaps in the newer version’s rebuild, nor takes the model back', async () => {
    const { db } = database;
    const log = createLogger({ level: 'silent', format: 'json' });
    const v1 = defineProjection({
      ...journal,
      name: 'rollout',
      tables: { rollout: journal.tables.journal },
      async handle(tx, e, t) {
        await tx.execute(sql`insert into ${t.rollout} values (${e.seq}, ${e.streamId}, ${e.version}, ${e.payload.text})`);
      },
    });
    // Version 2 changes what `handle` writes: rows written by version 1's code would be told apart.
    const v2 = defineProjection({
      ...v1,
      version: 2,
      async handle(tx, e, t) {
        await tx.execute(sql`insert into ${t.rollout} values (${e.seq}, ${e.streamId}, ${e.version}, ${`v2:${e.payload.text}`})`);
      },
    });
    const old = createProjectionRunner({ module: 'notes', db, projections: [v1], log, pollMs: 50 });
    const next = createProjectionRunner({ module: 'notes', db, projections: [v2], log, pollMs: 50 });
    await old.drain();
    expect((await old.status())[0]).toMatchObject({ liveVersion: 1, lastError: null, live: { handled: 10 } });
    // The new release starts (its start-up begins the rebuild) and is gone before it fed any of it.
    await expect(next.rebuild('rollout')).rejects.toMatchObject({ code: 'platform/projection-rebuild-running' });
    await old.drain();
    expect((await old.status())[0]).toMatchObject({ liveVersion: 1, rebuildVersion: 2, rebuild: { handled: 0 } });
    await next.drain();
    expect((await next.status())[0]).toMatchObject({ liveVersion: 2, rebuild: null, live: { handled: 10, lagEvents: 0 } });
    const texts = resultRows<{ text: string }>(await db.execute(sql`select "text" from "notes"."rollout" order by "seq"`)).map((r) => r.text);
    expect(texts).toHaveLength(10);
    expect(texts.every((t) => t.startsWith('v2:'))).toBe(true);
    // An operator's rebuild through an old replica would build version 1 again.
    await expect(old.rebuild('rollout')).rejects.toMatchObject({ kind: 'conflict', code: 'platform/projection-version-newer' });
    expect((await old.status())[0]).toMatchObject({ liveVersion: 2, rebuild: null });
  });

  it('a version raised while an older version’s rebuild was left running replaces that rebuild, new tables and all', async () => {
    const { db } = database;
    const log = createLogger({ level: 'silent', format: 'json' });
    const v1 = defineProjection({
      ...journal,
      name: 'reshaped',
      tables: { reshaped: journal.tables.journal },
      async handle(tx, e, t) {
        await tx.execute(sql`insert into ${t.reshaped} values (${e.seq}, ${e.streamId}, ${e.version}, ${e.payload.text})`);
      },
    });
    const v2 = defineProjection({
      ...v1,
      version: 2,
      tables: { reshaped: `${journal.tables.journal}, "length" integer NOT NULL` },
      async handle(tx, e, t) {
        await tx.execute(sql`insert into ${t.reshaped} values (${e.seq}, ${e.streamId}, ${e.version}, ${e.payload.text}, ${e.payload.text.length})`);
      },
    });
    const old = createProjectionRunner({ module: 'notes', db, projections: [v1], log, pollMs: 50 });
    await old.drain();
    expect((await old.status())[0]).toMatchObject({ liveVersion: 1, lastError: null, live: { handled: 10 } });
    // An operator's rebuild at version 1, then the host is gone (a crash) before it ran.
    await old.rebuild('reshaped');
    const next = createProjectionRunner({ module: 'notes', db, projections: [v2], log, pollMs: 50 });
    await next.drain();
    expect((await next.status())[0]).toMatchObject({ liveVersion: 2, rebuild: null, lastError: null, live: { handled: 10, lagEvents: 0 } });
    const rows = resultRows<{ length: number }>(await db.execute(sql`select "length" from "notes"."reshaped" order by "seq"`));
    expect(rows).toHaveLength(10);
  });
});
