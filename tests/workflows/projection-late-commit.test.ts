/**
 * Projections never skip a transaction that commits late (PostgreSQL only: PGlite is one connection, so its
 * transactions cannot overlap). Transaction A takes seq 1 and stays open while B takes seq 2 and commits; a reader
 * that kept `seq > last_seen` would move past 2 and never read 1. The runner reads below the snapshot's xmin instead.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateSchema, resultRows, type Db } from '../../platform/db/index.ts';
import { createProjectionRunner, eventSourcingMigrations, type ProjectionRunner } from '../../platform/event-sourcing/index.ts';
import { postgresTestDatabase, type TestDatabaseHandle } from '../support/databases.ts';
import { eventually, testLogger } from '../support/test-host.ts';
import { account } from './tally/account.ts';
import { balances } from './tally/balances.ts';

/** Runs `fn` in a transaction that stays open until `release` is called; resolves once `fn` has run. */
async function openTransaction(db: Db, fn: Parameters<Db['transaction']>[0]) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let ran!: () => void;
  const ready = new Promise<void>((resolve) => (ran = resolve));
  const committed = db.transaction(async (tx) => {
    await fn(tx);
    ran();
    await held;
  });
  await Promise.race([ready, committed]);
  return { release, committed };
}

describe.skipIf(!postgresTestDatabase)('projections and late commits on PostgreSQL', () => {
  let database: TestDatabaseHandle;
  let runner: ProjectionRunner;
  const seqs = async () =>
    resultRows<{ seq: string }>(await database.db.execute(sql`select "seq" from "tally"."es_events" order by "seq"`)).map((r) => Number(r.seq));
  const model = async () =>
    resultRows<{ id: string; balance: number; version: number }>(
      await database.db.execute(sql`select "id", "balance", "version" from "tally"."account_balances" order by "id"`),
    );
  const live = async () => (await runner.status())[0]?.live;
  /**
   * Drains until every committed event is handled. One drain can stop short: the horizon is the server's oldest open
   * transaction, in any database (transaction ids are server-wide), so another test's transaction holds it back too.
   */
  const caughtUp = () =>
    eventually(async () => {
      await runner.drain();
      expect(await live()).toMatchObject({ lagEvents: 0 });
    }, 60_000);

  beforeAll(async () => {
    database = await (postgresTestDatabase as NonNullable<typeof postgresTestDatabase>).open();
    await migrateSchema(database.db, 'tally', eventSourcingMigrations('tally'));
    runner = createProjectionRunner({ module: 'tally', db: database.db, projections: [balances], log: testLogger(), pollMs: 50 });
  });
  afterAll(async () => {
    await runner?.stop();
    await database?.close();
  });

  it('an event whose transaction commits after a later one is still projected (a seq > last_seen cursor would skip it)', async () => {
    const a = await openTransaction(database.db, async (tx) => {
      await account.append(tx, 'late', 0, [{ type: 'opened', payload: { accountId: 'late', owner: 'a' } }]);
    });
    await database.db.transaction((tx) => account.append(tx, 'early', 0, [{ type: 'opened', payload: { accountId: 'early', owner: 'b' } }]));
    expect(await seqs()).toEqual([2]);
    await runner.drain();
    // A is open: nothing at or after its transaction is handed out yet, so B waits too (counted as lag, not skipped).
    expect(await model()).toEqual([]);
    expect(await live()).toMatchObject({ lagEvents: 1 });
    const naiveLastSeen = Math.max(...(await seqs()));

    a.release();
    await a.committed;
    expect(await seqs()).toEqual([1, 2]);
    // What a naive cursor would read next: nothing, event 1 is behind it for good.
    expect(resultRows(await database.db.execute(sql`select "seq" from "tally"."es_events" where "seq" > ${naiveLastSeen}`))).toEqual([]);
    await caughtUp();
    expect((await model()).map((r) => r.id)).toEqual(['early', 'late']);
    expect(await live()).toMatchObject({ lagEvents: 0, handled: 2 });
  });

  it('a transaction older than the stream head appends after it in projection order (its tx is raised to the head)', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let taken!: (xid: string) => void;
    const ownXid = new Promise<string>((resolve) => (taken = resolve));
    // T1 takes its transaction id first; T2 then opens the account and commits; T1 deposits on top of it.
    const t1 = database.db.transaction(async (tx) => {
      taken(resultRows<{ x: string }>(await tx.execute(sql`select pg_current_xact_id()::text as x`))[0]?.x ?? '');
      await held;
      const { version } = await account.load(tx, 'raised');
      await account.append(tx, 'raised', version, [{ type: 'deposited', payload: { accountId: 'raised', amount: 9, note: 'after' } }]);
    });
    const older = BigInt(await ownXid);
    await database.db.transaction((tx) => account.append(tx, 'raised', 0, [{ type: 'opened', payload: { accountId: 'raised', owner: 'c' } }]));
    release();
    await t1;
    const [opened, deposited] = resultRows<{ tx: string }>(
      await database.db.execute(sql`select "tx"::text as "tx" from "tally"."es_events" where "stream_id" = 'raised' order by "version"`),
    ).map((r) => BigInt(r.tx));
    expect(older).toBeLessThan(opened as bigint);
    expect(deposited).toBe(opened);
    await caughtUp();
    // Ordered by the raw transaction ids, the deposit would come first and update no row.
    expect((await model()).find((r) => r.id === 'raised')).toEqual({ id: 'raised', balance: 9, version: 2 });
  });
});
