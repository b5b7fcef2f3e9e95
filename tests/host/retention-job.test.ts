import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultRows } from '../../platform/db/index.ts';
import { createRetentionJob } from '../../platform/host/retention-job.ts';
import type { RetentionRule } from '../../platform/host/retention-plan.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { eventually, testLogger } from '../support/test-host.ts';

const rule = (more: Partial<RetentionRule>): RetentionRule => ({
  table: 'visits',
  retention: '30 days',
  age: { interval: '30 days' },
  agedBy: 'ended_at',
  action: 'delete',
  anonymise: {},
  onlyWhen: {},
  declaredBy: 'module',
  ...more,
});

describe.each(testDatabases)('the retention job on a module table, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  beforeAll(async () => {
    database = await testDatabase.open();
    await database.db.execute(sql`create schema if not exists shop`);
    await database.db.execute(sql`drop table if exists shop.visits`);
    await database.db.execute(sql`create table shop.visits (id int primary key, visitor text, ended_at timestamptz)`);
  });
  afterAll(async () => {
    await database.db.execute(sql`drop schema shop cascade`);
    await database.close();
  });

  const ids = async () => resultRows<{ id: number }>(await database.db.execute(sql`select id from shop.visits order by id`)).map((r) => r.id);

  it('deletes rows aged past the retention, keeps younger ones and rows not aging yet (null), in batches', async () => {
    await database.db.execute(sql`insert into shop.visits (id, visitor, ended_at)
      select g, 'v' || g, now() - interval '40 days' from generate_series(1, 250) g`);
    await database.db.execute(sql`insert into shop.visits values (1001, 'young', now() - interval '29 days'), (1002, 'ongoing', null)`);
    const job = createRetentionJob({ module: 'shop', db: database.db, plan: { rules: [rule({})], kept: [] }, log: testLogger(), batch: 100 });
    expect(await job.run()).toEqual([{ table: 'visits', action: 'delete', rows: 250 }]);
    expect(await ids()).toEqual([1001, 1002]);
    expect(await job.run()).toEqual([{ table: 'visits', action: 'delete', rows: 0 }]);
  });

  it('anonymises instead where declared, once; a table that fails is reported and the others still run', async () => {
    await database.db.execute(sql`insert into shop.visits values (2001, 'old', now() - interval '40 days'), (2002, 'new', now())`);
    const finished: Date[] = [];
    const job = createRetentionJob({
      module: 'shop',
      db: database.db,
      plan: {
        rules: [rule({ table: 'missing' }), rule({ action: 'anonymise', anonymise: { visitor: null } })],
        kept: [],
      },
      log: testLogger(),
      onRun: (at) => finished.push(at),
    });
    const [failed, anonymised] = await job.run();
    expect(failed).toMatchObject({ table: 'missing', rows: 0, error: expect.stringContaining('missing') });
    expect(anonymised).toEqual({ table: 'visits', action: 'anonymise', rows: 1 });
    const rows = resultRows<{ id: number; visitor: string | null }>(
      await database.db.execute(sql`select id, visitor from shop.visits where id > 2000 order by id`),
    );
    expect(rows).toEqual([
      { id: 2001, visitor: null },
      { id: 2002, visitor: 'new' },
    ]);
    expect((await job.run())[1]).toEqual({ table: 'visits', action: 'anonymise', rows: 0 });
    expect(job.status()).toMatchObject({ module: 'shop', nextRun: null, lastRun: { tables: [{ table: 'missing' }, { table: 'visits', rows: 0 }] } });
    // A run with a table that failed did not finish its job: the last-run metric (CleaveRetentionStale) does not move.
    expect(finished).toEqual([]);
  });

  it('runs first a minute after start (sooner with a shorter interval), then every interval; a run with no table failing is a finished run', async () => {
    const finished: Date[] = [];
    const job = createRetentionJob({
      module: 'shop',
      db: database.db,
      plan: { rules: [rule({})], kept: [] },
      log: testLogger(),
      onRun: (at) => finished.push(at),
    });
    const hourly = createRetentionJob({ module: 'shop', db: database.db, plan: { rules: [], kept: [] }, log: testLogger() });
    const before = Date.now();
    hourly.start(3_600_000);
    try {
      expect(Date.parse(hourly.status().nextRun ?? '')).toBeLessThanOrEqual(Date.now() + 60_000);
      expect(Date.parse(hourly.status().nextRun ?? '')).toBeGreaterThanOrEqual(before + 60_000);
    } finally {
      await hourly.stop();
    }
    job.start(50);
    try {
      await eventually(() => expect(finished.length).toBeGreaterThanOrEqual(2));
    } finally {
      await job.stop();
    }
    expect(job.status().nextRun).toBeNull();
  });

  it('onlyWhen: only rows in the states given age; belongsTo: rows go once their owner is gone, and not before', async () => {
    await database.db.execute(sql`drop table if exists shop.trips, shop.trip_steps`);
    await database.db.execute(sql`create table shop.trips (id text primary key, state text not null, ended_at timestamptz)`);
    await database.db.execute(sql`create table shop.trip_steps (seq serial primary key, trip_id text not null)`);
    // Old and ended (goes), old but still running (stays, whatever its age), ended recently (stays).
    await database.db.execute(sql`insert into shop.trips values
      ('done-old', 'completed', now() - interval '40 days'), ('undone-old', 'compensated', now() - interval '41 days'),
      ('running-old', 'running', now() - interval '400 days'), ('done-new', 'completed', now() - interval '1 day')`);
    await database.db.execute(sql`insert into shop.trip_steps (trip_id)
      select t from generate_series(1, 3) g cross join unnest(array['done-old', 'undone-old', 'running-old', 'done-new']) t`);
    const plan = {
      rules: [
        rule({ table: 'trips', onlyWhen: { state: ['completed', 'compensated'] } }),
        rule({ table: 'trip_steps', agedBy: 'trips.ended_at', belongsTo: { table: 'trips', column: 'trip_id', references: 'id' } }),
      ],
      kept: [],
    };
    const job = createRetentionJob({ module: 'shop', db: database.db, plan, log: testLogger(), batch: 2 });
    expect(await job.run()).toEqual([
      { table: 'trips', action: 'delete', rows: 2 },
      { table: 'trip_steps', action: 'delete', rows: 6 },
    ]);
    const trips = resultRows<{ id: string }>(await database.db.execute(sql`select id from shop.trips order by id`)).map((r) => r.id);
    expect(trips).toEqual(['done-new', 'running-old']);
    const steps = resultRows<{ trip_id: string; n: number }>(
      await database.db.execute(sql`select trip_id, count(*)::int as n from shop.trip_steps group by trip_id order by trip_id`),
    );
    expect(steps).toEqual([
      { trip_id: 'done-new', n: 3 },
      { trip_id: 'running-old', n: 3 },
    ]);
    expect((await job.run()).map((t) => t.rows)).toEqual([0, 0]);
  });
});
