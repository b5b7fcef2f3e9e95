import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogContract } from '../../modules/catalog/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { parseExposition, valueOf, type Sample } from '../support/prometheus-text.ts';
import { asAdmin, call, eventually, startTestHost } from '../support/test-host.ts';
import { clientToken } from '../support/tokens.ts';

describe.each(testDatabases)('/metrics of a monolith host on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startTestHost({ database });
  });
  afterAll(async () => {
    await host.stop();
    await database.close();
  });

  const scrape = async (): Promise<Sample[]> => {
    const response = await call(host, 'GET', '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parseExposition(await response.text());
  };
  const product = { name: 'Metrics mug', price: { amount: 900, currency: 'EUR' } };

  it('answers 401 without a token and 403 to a token without the operator scope', async () => {
    const anonymous = await call(host, 'GET', '/metrics', undefined, { authorization: '' });
    expect(anonymous.status).toBe(401);
    const token = await clientToken(host, `metrics-reader-${randomUUID().slice(0, 8)}`, ['catalog:read']);
    const refused = await call(host, 'GET', '/metrics', undefined, { authorization: `Bearer ${token}` });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('auth/insufficient-scope');
  });

  it('counts requests per module and operation, and errors by problem code, with operation templates as labels', async () => {
    const getProduct = { module: 'catalog', operation: 'GET /catalog/v1/products/{id}' };
    const before = await scrape();
    const missing = randomUUID();
    expect((await call(host, 'GET', `/catalog/v1/products/${missing}`)).status).toBe(404);
    const created = await call(host, 'POST', '/catalog/v1/products', { ...product, sku: `MET-${randomUUID().slice(0, 8)}` });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await call(host, 'GET', `/catalog/v1/products/${id}`)).status).toBe(200);
    expect((await call(host, 'GET', `/catalog/v1/nothing-here/${missing}`)).status).toBe(404);
    // Refused before the route's own middleware ran: still counted under the operation it matched.
    expect((await call(host, 'POST', '/catalog/v1/products', product, { authorization: '' })).status).toBe(401);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);

    expect(delta('cleave_http_requests_total', { ...getProduct, status: '404' })).toBe(1);
    expect(delta('cleave_http_requests_total', { ...getProduct, status: '200' })).toBe(1);
    expect(delta('cleave_http_requests_total', { module: 'catalog', operation: 'POST /catalog/v1/products', status: '201' })).toBe(1);
    expect(delta('cleave_http_request_errors_total', { ...getProduct, status: '404', problem: 'catalog/product-not-found' })).toBe(1);
    expect(delta('cleave_http_requests_total', { module: 'catalog', operation: '(unmatched)', status: '404' })).toBe(1);
    expect(
      delta('cleave_http_request_errors_total', { module: 'catalog', operation: 'POST /catalog/v1/products', status: '401', problem: 'auth/unauthenticated' }),
    ).toBe(1);
    expect(delta('cleave_http_requests_total', { module: 'catalog', operation: '(unmatched)', status: '401' })).toBe(0);
    expect(delta('cleave_http_request_duration_seconds_count', getProduct)).toBe(2);
    expect(delta('cleave_http_request_duration_seconds_bucket', { ...getProduct, le: '+Inf' })).toBe(2);
    // Ids never become label values: neither the product's, nor the one in an unknown path.
    for (const sample of after) for (const value of Object.values(sample.labels)) expect(value).not.toMatch(new RegExp(`${missing}|${id}`));
  });

  it('names every series by the Prometheus conventions and keeps labels to names declared in code', async () => {
    const samples = await scrape();
    const names = new Set(samples.map((s) => s.name));
    for (const name of names) expect(name).toMatch(/^(cleave|process|nodejs)_[a-z0-9_]+$/);
    // Counters end in _total, durations are in seconds, sizes in bytes.
    for (const name of names) if (/_(ms|milliseconds|kb|mb)$/.test(name)) throw new Error(`${name} is not in base units`);
    const uuidLike = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
    for (const s of samples) for (const value of Object.values(s.labels)) expect(value).not.toMatch(uuidLike);
    // Nothing the configuration holds as a secret ends up in a label.
    for (const s of samples) for (const value of Object.values(s.labels)) expect(value).not.toContain('test-admin-secret');
    for (const expected of [
      'cleave_http_requests_total',
      'cleave_http_request_duration_seconds_bucket',
      'cleave_module_info',
      'cleave_outbox_pending_events',
      'cleave_outbox_oldest_pending_age_seconds',
      'cleave_bulkhead_capacity_calls',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect(names).toContain(expected);
    expect(valueOf(samples, 'cleave_module_info', { module: 'inventory', hosted: 'true' })).toBe(1);
    expect(valueOf(samples, 'cleave_metrics_collect_failures_total', { collector: 'outbox' })).toBe(0);
  });

  it('counts in-process module calls by caller, provider and transport, and their errors by problem code', async () => {
    const inventory = host.modules.find((m) => m.definition.name === 'inventory');
    if (!inventory) throw new Error('inventory not hosted');
    const catalog = inventory.context.client(catalogContract);
    const labels = { caller: 'inventory', provider: 'catalog', transport: 'in-process' };
    const before = await scrape();
    const created = await call(host, 'POST', '/catalog/v1/products', { ...product, sku: `MET-${randomUUID().slice(0, 8)}` });
    const { id } = (await created.json()) as { id: string };
    await asAdmin(host, () => catalog.getProduct({ params: { id } }));
    await expect(asAdmin(host, () => catalog.getProduct({ params: { id: randomUUID() } }))).rejects.toMatchObject({ code: 'catalog/product-not-found' });
    const after = await scrape();
    const delta = (name: string, more: Record<string, string> = {}) =>
      valueOf(after, name, { ...labels, ...more }) - valueOf(before, name, { ...labels, ...more });
    expect(delta('cleave_module_calls_total', { outcome: 'ok' })).toBe(1);
    expect(delta('cleave_module_calls_total', { outcome: 'error' })).toBe(1);
    expect(delta('cleave_module_call_errors_total', { problem: 'catalog/product-not-found' })).toBe(1);
    expect(delta('cleave_module_call_duration_seconds_count')).toBe(2);
  });

  it.skipIf(testDatabase.name !== 'postgres')(
    'a lock on the sagas table costs a scrape METRICS_COLLECT_TIMEOUT, not the lock: the gauge keeps its value, the miss is counted, reads never pile up',
    async () => {
      const holder = postgres(database.url as string, { max: 1, onnotice: () => {} });
      const observer = postgres(database.url as string, { max: 1, onnotice: () => {} });
      const rows = async (query: Promise<{ n: number }[]>) => Number((await query)[0]?.n);
      try {
        const before = await scrape();
        // Held until the scrapes below are done (the connection is ended), or 60 s as a bound for a test that would hang.
        holder
          .begin(async (tx) => {
            await tx`lock table ordering.sagas in access exclusive mode`;
            await new Promise((resolve) => setTimeout(resolve, 60_000).unref());
          })
          .catch(() => {});
        await eventually(async () =>
          expect(
            await rows(observer`select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
              where c.relname = 'sagas' and l.mode = 'AccessExclusiveLock' and l.granted`),
          ).toBe(1),
        );
        const scrapes: Sample[][] = [];
        for (let i = 0; i < 3; i++) scrapes.push(await scrape());
        const after = scrapes.at(-1) as Sample[];
        const stuck = { module: 'ordering', state: 'stuck' };
        expect(valueOf(after, 'cleave_sagas', stuck)).toBe(valueOf(before, 'cleave_sagas', stuck));
        expect(valueOf(after, 'cleave_metrics_collect_failures_total', { collector: 'sagas' })).toBeGreaterThanOrEqual(3);
        // One read of the table waits on the lock at most, however many scrapes came.
        expect(
          await rows(observer`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like 'select state, count(*)%'`),
        ).toBeLessThanOrEqual(1);
      } finally {
        await holder.end({ timeout: 0 });
        await observer.end();
      }
    },
  );

  it('reports the outbox, relay dispatches and event deliveries', async () => {
    const before = await scrape();
    await call(host, 'POST', '/catalog/v1/products', { ...product, sku: `MET-${randomUUID().slice(0, 8)}` });
    await eventually(async () => {
      const after = await scrape();
      expect(valueOf(after, 'cleave_outbox_dispatched_total', { module: 'catalog' })).toBeGreaterThan(
        valueOf(before, 'cleave_outbox_dispatched_total', { module: 'catalog' }),
      );
      const handled = after.filter((s) => s.name === 'cleave_event_deliveries_total' && s.labels.outcome === 'handled');
      expect(handled.reduce((sum, s) => sum + s.value, 0)).toBeGreaterThan(
        before.filter((s) => s.name === 'cleave_event_deliveries_total' && s.labels.outcome === 'handled').reduce((sum, s) => sum + s.value, 0),
      );
      expect(valueOf(after, 'cleave_outbox_pending_events', { module: 'catalog' })).toBe(0);
      expect(valueOf(after, 'cleave_outbox_oldest_pending_age_seconds', { module: 'catalog' })).toBe(0);
      expect(after.some((s) => s.name === 'cleave_event_consumer_lag_seconds_count' && s.value > 0)).toBe(true);
    }, 30_000);
  });
});
