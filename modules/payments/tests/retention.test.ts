import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../platform/config/index.ts';
import { resultRows } from '../../../platform/db/index.ts';
import type { Host, HostedModule } from '../../../platform/host/index.ts';
import { createRetentionJob } from '../../../platform/host/retention-job.ts';
import { retentionPlan } from '../../../platform/host/retention-plan.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { call, testLogger } from '../../../tests/support/test-host.ts';
import { paymentsModule } from '../index.ts';
import { newIntent, paymentsApi, startPaymentsHost } from './support.ts';

describe.each(testDatabases)('payments retention, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let payments: HostedModule;
  let api: ReturnType<typeof paymentsApi>;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startPaymentsHost(database);
    api = paymentsApi(host);
    const hosted = host.modules.find((m) => m.definition.name === 'payments');
    if (!hosted) throw new Error('payments is not hosted');
    payments = hosted;
  });
  afterAll(async () => {
    await host.stop();
    await database.close();
  });

  const customerOf = async (id: string) =>
    resultRows<{ customer_id: string }>(await payments.database.db.execute(sql`select customer_id from payments.payment_intents where id = ${id}`))[0]
      ?.customer_id;

  it('intents past their retention lose their customer but keep their amounts: the ledger still balances', async () => {
    const [old, partly, recent] = [newIntent(), newIntent(), newIntent()];
    for (const id of [old, partly, recent]) {
      expect((await api.authorize(id, 3000)).status).toBe(201);
      expect((await api.capture(id)).status).toBe(200);
    }
    expect((await api.refund(partly, 1000)).status).toBe(200);
    await payments.database.db.execute(sql`update payments.payment_intents set created_at = now() - interval '11 years' where id in (${old}, ${partly})`);

    const runs = await payments.retention.run();
    expect(runs).toContainEqual({ table: 'payment_intents', action: 'anonymise', rows: 2 });
    expect([await customerOf(old), await customerOf(partly), await customerOf(recent)]).toEqual(['anonymised', 'anonymised', 'alice']);
    expect(await (await api.get(partly)).json()).toMatchObject({ customerId: 'anonymised', capturedAmount: 3000, refundedAmount: 1000 });
    expect(await api.ledgerProblems([old, partly, recent])).toEqual([]);
    // Anonymised rows are not counted again.
    expect(await payments.retention.run()).toContainEqual({ table: 'payment_intents', action: 'anonymise', rows: 0 });
  });

  it('two jobs at once split the expired rows: each deleted once, none counted twice, no deadlock', async () => {
    const { db } = payments.database;
    const values = Array.from({ length: 2500 }, () => sql`(${randomUUID()}, 'payments:x', now() - interval '30 days')`);
    for (let i = 0; i < values.length; i += 500) {
      await db.execute(sql`insert into payments.inbox (event_id, consumer, handled_at) values ${sql.join(values.slice(i, i + 500), sql`, `)}`);
    }
    await db.execute(sql`insert into payments.inbox (event_id, consumer, handled_at) values (${randomUUID()}, 'payments:x', now() - interval '1 day')`);
    const plan = retentionPlan(paymentsModule, loadConfig({ INBOX_RETENTION: '14d' }));
    const job = () => createRetentionJob({ module: 'payments', db, plan, log: testLogger(), batch: 100 });
    const [a, b] = await Promise.all([job().run(), job().run()]);
    const inboxRows = (runs: typeof a) => runs.find((t) => t.table === 'inbox')?.rows ?? 0;
    expect(inboxRows(a) + inboxRows(b)).toBe(2500);
    expect([...a, ...b].filter((t) => t.error)).toEqual([]);
    const left = resultRows<{ n: number }>(await db.execute(sql`select count(*)::int as n from payments.inbox where consumer = 'payments:x'`));
    expect(left[0]?.n).toBe(1);
  });

  it('GET /ops/retention shows each table: retention, aged by, action, last run, next run, and what is kept and why', async () => {
    await payments.retention.run();
    const response = await host.app.request('/ops/retention', { headers: { authorization: '' } });
    expect(response.status).toBe(401);
    const body = (await (await call(host, 'GET', '/ops/retention')).json()) as {
      items: { module: string; rules: unknown[]; kept: unknown[]; lastRun: unknown; nextRun: string }[];
    };
    const item = body.items.find((i) => i.module === 'payments');
    expect(item?.rules).toContainEqual({
      table: 'payment_intents',
      retention: '10 years',
      agedBy: 'created_at',
      action: 'anonymise',
      anonymise: { customer_id: 'anonymised' },
      onlyWhen: {},
      declaredBy: 'module',
    });
    expect(item?.rules).toContainEqual(
      expect.objectContaining({ table: 'saga_history', agedBy: 'sagas.ended_at', belongsTo: { table: 'sagas', column: 'saga_id', references: 'id' } }),
    );
    expect(item?.rules).toContainEqual(
      expect.objectContaining({ table: 'outbox', retention: '7d (OUTBOX_RETENTION)', agedBy: 'dispatched_at', action: 'delete' }),
    );
    expect(item?.kept).toContainEqual(expect.objectContaining({ table: 'journal_entries', reason: 'kept indefinitely' }));
    expect(JSON.stringify(item?.kept)).not.toContain('not enforced');
    expect(item?.kept).toContainEqual(expect.objectContaining({ table: 'audit_log', reason: 'kept indefinitely' }));
    expect(item?.lastRun).toMatchObject({ at: expect.any(String) });
    expect(Date.parse(item?.nextRun ?? '')).toBeGreaterThan(Date.now());
    const metrics = await (await call(host, 'GET', '/metrics')).text();
    expect(metrics).toContain('cleave_retention_rows_total{module="payments",table="payment_intents",action="anonymise"} 2');
    expect(metrics).toMatch(/cleave_retention_last_run_timestamp_seconds\{module="payments"\} \d+/);
  });
});
