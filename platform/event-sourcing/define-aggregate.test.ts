import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { migrateSchema, type DatabaseHandle } from '../db/index.ts';
import { defineEvent } from '../events/index.ts';
import { defineAggregate } from './define-aggregate.ts';
import { eventSourcingMigrations } from './migrations.ts';
import { openTestPglite } from '../../tests/support/pglite-image.ts';

const addedV1 = defineEvent({ name: 'shop.added', version: 1, schema: z.object({ id: z.string(), n: z.number() }), key: (p) => p.id });
const added = defineEvent({
  name: 'shop.added',
  version: 2,
  schema: z.object({ id: z.string(), n: z.number(), by: z.string() }),
  key: (p) => p.id,
  upcast: { from: addedV1, convert: (p: { id: string; n: number }) => ({ ...p, by: 'unknown' }) },
});
const counter = defineAggregate({
  name: 'counter',
  events: { added },
  initial: () => ({ total: 0, by: [] as string[] }),
  evolve: (s, e) => ({ total: s.total + e.payload.n, by: [...s.by, e.payload.by] }),
});

describe('event-sourced aggregates', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestPglite();
    await migrateSchema(database.db, 'shop', eventSourcingMigrations('shop'));
  });
  afterAll(() => database.close());

  it('folds a stream appended at the expected versions', async () => {
    const db = database.db;
    expect(await counter.load(db, 'c1')).toEqual({ state: { total: 0, by: [] }, version: 0 });
    await db.transaction((tx) => counter.append(tx, 'c1', 0, [{ type: 'added', payload: { id: 'c1', n: 2, by: 'a' } }]));
    const appended = await db.transaction((tx) =>
      counter.append(tx, 'c1', 1, [
        { type: 'added', payload: { id: 'c1', n: 3, by: 'b' } },
        { type: 'added', payload: { id: 'c1', n: 4, by: 'c' } },
      ]),
    );
    expect(appended).toEqual({ version: 3 });
    expect(await counter.load(db, 'c1')).toEqual({ state: { total: 9, by: ['a', 'b', 'c'] }, version: 3 });
  });

  it('an append at a stale version throws kind conflict, code platform/stream-version-conflict, and writes nothing', async () => {
    const db = database.db;
    await db.transaction((tx) => counter.append(tx, 'c2', 0, [{ type: 'added', payload: { id: 'c2', n: 1, by: 'a' } }]));
    const stale = db.transaction((tx) => counter.append(tx, 'c2', 0, [{ type: 'added', payload: { id: 'c2', n: 1, by: 'b' } }]));
    await expect(stale).rejects.toMatchObject({
      kind: 'conflict',
      code: 'platform/stream-version-conflict',
      details: { aggregate: 'counter', streamId: 'c2', expectedVersion: 0, actualVersion: 1 },
    });
    expect((await counter.load(db, 'c2')).version).toBe(1);
  });

  it('reads an event stored at v1 as v2 through its upcast, checked against v2', async () => {
    const db = database.db;
    await db.execute(sql`insert into "shop"."es_events" ("aggregate", "stream_id", "version", "name", "schema_version", "payload", "tx")
      values ('counter', 'old', 1, 'shop.added', 1, ${JSON.stringify({ id: 'old', n: 5 })}::jsonb, pg_current_xact_id())`);
    expect(await counter.load(db, 'old')).toEqual({ state: { total: 5, by: ['unknown'] }, version: 1 });
  });

  it('refuses to change or delete a stored event', async () => {
    const refusal = { cause: expect.objectContaining({ message: expect.stringMatching(/event streams are append-only/) }) };
    await expect(database.db.execute(sql`update "shop"."es_events" set "payload" = '{}'`)).rejects.toMatchObject(refusal);
    await expect(database.db.execute(sql`delete from "shop"."es_events"`)).rejects.toMatchObject(refusal);
  });

  it('refuses an aggregate whose events belong to two modules, and an upcast from another event', () => {
    const other = defineEvent({ name: 'billing.added', version: 1, schema: z.object({ id: z.string() }), key: (p) => p.id });
    expect(() => defineAggregate({ name: 'mixed', events: { added, other }, initial: () => 0, evolve: (s) => s })).toThrow(/exactly one module/);
    expect(() =>
      defineEvent({ name: 'shop.removed', version: 2, schema: z.object({}), key: () => '', upcast: { from: addedV1, convert: () => ({}) } }),
    ).toThrow(/upcast from an earlier version of itself/);
  });
});
