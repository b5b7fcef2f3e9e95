/**
 * Event-sourced aggregates and projections through a real host, on the test-only `tally` module: optimistic
 * concurrency answering 409 through a route, the append and the outbox committing together, the read model, its lag
 * in `/health/ready` and `/metrics`, and a rebuild while writes continue that ends equal to the folded streams.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultRows } from '../../platform/db/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { parseExposition, valueOf } from '../support/prometheus-text.ts';
import { call, eventually, startTestHost } from '../support/test-host.ts';
import { account } from './tally/account.ts';
import { tallyModule, type TallyControls } from './tally/module.ts';

interface View {
  id: string;
  owner: string | null;
  balance: number;
  version: number;
}

describe.each(testDatabases)('event sourcing on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  const controls: TallyControls = {};
  const count = async (query: ReturnType<typeof sql>) => Number(resultRows<{ n: number }>(await database.db.execute(query))[0]?.n ?? 0);
  /** The model a correct projection must hold: every account folded from its stream. */
  const folded = async (): Promise<View[]> => {
    const ids = resultRows<{ id: string }>(await database.db.execute(sql`select distinct "stream_id" as "id" from "tally"."es_events" order by 1`));
    return Promise.all(
      ids.map(async ({ id }) => {
        const { state, version } = await account.load(database.db, id);
        return { id, owner: state.owner, balance: state.balance, version };
      }),
    );
  };
  const readModel = async (): Promise<View[]> => ((await (await call(host, 'GET', '/tally/v1/balances')).json()) as { items: View[] }).items;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startTestHost({ database, modules: [tallyModule(controls)] });
  });
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  it('a deposit decided on a stale version answers 409 problem+json platform/stream-version-conflict', async () => {
    expect((await call(host, 'POST', '/tally/v1/accounts/a-conflict', { owner: 'ada' })).status).toBe(201);
    expect((await call(host, 'POST', '/tally/v1/accounts/a-conflict/deposits', { amount: 5, note: 'first', expectedVersion: 1 })).status).toBe(201);
    const stale = await call(host, 'POST', '/tally/v1/accounts/a-conflict/deposits', { amount: 7, note: 'stale', expectedVersion: 1 });
    expect(stale.status).toBe(409);
    expect(stale.headers.get('content-type')).toContain('application/problem+json');
    expect(await stale.json()).toMatchObject({ status: 409, code: 'platform/stream-version-conflict' });
    expect((await call(host, 'POST', '/tally/v1/accounts/a-conflict', { owner: 'again' })).status).toBe(409);
    expect(await (await call(host, 'GET', '/tally/v1/accounts/a-conflict')).json()).toMatchObject({ balance: 5, version: 2 });
  });

  it('concurrent deposits each land at their own version or get 409, never a lost update', async () => {
    expect((await call(host, 'POST', '/tally/v1/accounts/a-race', { owner: 'bo' })).status).toBe(201);
    const statuses = await Promise.all(Array.from({ length: 8 }, () => call(host, 'POST', '/tally/v1/accounts/a-race/deposits', { amount: 1, note: 'race' })));
    const created = statuses.filter((r) => r.status === 201).length;
    expect(statuses.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    expect(await (await call(host, 'GET', '/tally/v1/accounts/a-race')).json()).toMatchObject({ balance: created, version: created + 1 });
  });

  it('a transaction that fails after appending and publishing leaves neither stream events nor outbox rows', async () => {
    expect((await call(host, 'POST', '/tally/v1/accounts/a-rollback', { owner: 'cy' })).status).toBe(201);
    const events = () => count(sql`select count(*)::int as n from "tally"."es_events" where "stream_id" = 'a-rollback'`);
    const published = () => count(sql`select count(*)::int as n from "tally"."outbox" where "aggregate_key" = 'a-rollback'`);
    expect([await events(), await published()]).toEqual([1, 1]);
    controls.failAfterAppend = true;
    try {
      expect((await call(host, 'POST', '/tally/v1/accounts/a-rollback/deposits', { amount: 3, note: 'lost' })).status).toBe(500);
    } finally {
      controls.failAfterAppend = false;
    }
    expect([await events(), await published()]).toEqual([1, 1]);
    expect((await call(host, 'POST', '/tally/v1/accounts/a-rollback/deposits', { amount: 3, note: 'kept' })).status).toBe(201);
    expect([await events(), await published()]).toEqual([2, 2]);
  });

  it('the projection catches up with the streams; its lag shows in /health/ready (never failing it) and /metrics', async () => {
    await eventually(async () => expect(await readModel()).toEqual(await folded()), 30_000);
    const ready = await call(host, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    const checks = ((await ready.json()) as { checks: { module: string; name: string; status: string; detail?: string }[] }).checks;
    expect(checks.find((c) => c.module === 'tally' && c.name === 'projections')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/^account-balances 0 events, \d+\.\d s behind$/),
    });
    expect(checks.find((c) => c.module === 'tally' && c.name === 'migrations')).toMatchObject({ status: 'pass', detail: 'up to date' });
    const samples = parseExposition(await (await call(host, 'GET', '/metrics')).text());
    expect(valueOf(samples, 'cleave_projection_lag_events', { module: 'tally', projection: 'account-balances' })).toBe(0);
    expect(valueOf(samples, 'cleave_projection_lag_seconds', { module: 'tally', projection: 'account-balances' })).toBe(0);
  });

  it('a rebuild while deposits continue is swapped in, audited, and equals the streams folded row for row', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `r-${i}`);
    for (const id of ids) expect((await call(host, 'POST', `/tally/v1/accounts/${id}`, { owner: id })).status).toBe(201);
    const deposit = (i: number) => call(host, 'POST', `/tally/v1/accounts/${ids[i % ids.length]}/deposits`, { amount: 1 + (i % 5), note: `n${i}` });
    for (let i = 0; i < 240; i++) expect((await deposit(i)).status).toBe(201);
    let writing = true;
    let written = 0;
    const writer = (async () => {
      // Paced: on PGlite every query resolves without a macrotask, so an unpaced loop would starve the timers that
      // the runner and `eventually` wait on.
      for (let i = 0; writing; i++) {
        if ((await deposit(i)).status === 201) written++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      const started = await call(host, 'POST', '/ops/projections/tally/account-balances/rebuild');
      expect(started.status).toBe(202);
      expect(await started.json()).toMatchObject({ module: 'tally', name: 'account-balances', version: 1 });
      await eventually(async () => {
        const { items } = (await (await call(host, 'GET', '/ops/projections')).json()) as {
          items: { name: string; rebuild: unknown; rebuiltAt: string | null }[];
        };
        expect(items.find((p) => p.name === 'account-balances')).toMatchObject({ rebuild: null, rebuiltAt: expect.any(String) });
      }, 60_000);
      // Writes go on after the swap too: the live runner continues from where the rebuild stopped.
      const at = written;
      await eventually(() => expect(written).toBeGreaterThan(at + 5), 30_000);
    } finally {
      writing = false;
      await writer;
    }
    expect(written).toBeGreaterThan(5);
    await eventually(async () => expect(await readModel()).toEqual(await folded()), 30_000);
    const audited = await count(sql`select count(*)::int as n from "tally"."audit_log" where "action" = 'platform.projection-rebuild-started'`);
    expect(audited).toBe(1);
  }, 180_000);

  it('a rebuild of an unknown projection or module is 404 platform/unknown-projection', async () => {
    for (const path of ['/ops/projections/tally/nope/rebuild', '/ops/projections/nope/account-balances/rebuild']) {
      const refused = await call(host, 'POST', path);
      expect(refused.status).toBe(404);
      expect(await refused.json()).toMatchObject({ code: 'platform/unknown-projection' });
    }
  });
});
