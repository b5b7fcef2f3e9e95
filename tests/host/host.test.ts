import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { catalogContract } from '../../modules/catalog/index.ts';
import { RemoteProblemError } from '../../platform/contracts/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { asAdmin, call, eventually, startTestHost } from '../support/test-host.ts';

type OpenApi = { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> };

describe.each(testDatabases)('the monolith host on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startTestHost({ database, logLines });
  });
  afterAll(async () => {
    await host.stop();
    await database.close();
  });

  const inventory = () => {
    const m = host.modules.find((x) => x.definition.name === 'inventory');
    if (!m) throw new Error('inventory not hosted');
    return m.context;
  };

  it('a second host on the same database starts cleanly (migrations already applied)', async () => {
    const second = await startTestHost({ database, startRelays: false });
    await second.stop();
    expect(logLines.filter((l) => l.msg === 'migrations applied').map((l) => l.module)).toEqual(modules.map((m) => m.name));
  });

  it('/health/live answers and /health/ready reports every check', async () => {
    expect(await (await call(host, 'GET', '/health/live')).json()).toEqual({ status: 'pass' });
    const ready = await call(host, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: { module: string; name: string; status: string }[] };
    expect(body.status).toBe('pass');
    const names = body.checks.map((c) => `${c.module}/${c.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'catalog/database',
        'catalog/migrations',
        'catalog/outbox-relay',
        'inventory/database',
        'inventory/migrations',
        'inventory/outbox-relay',
      ]),
    );
  });

  it('/health/ready is 503 naming the failed check when a relay is stopped', async () => {
    const second = await startTestHost({ database, startRelays: false });
    try {
      const ready = await call(second, 'GET', '/health/ready');
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { checks: { name: string; status: string; detail?: string }[] };
      expect(body.checks.find((c) => c.name === 'outbox-relay')).toMatchObject({ status: 'fail', detail: 'relay stopped' });
    } finally {
      await second.stop();
    }
  });

  it('/openapi.json merges all modules as OpenAPI 3.1 with problem responses declared', async () => {
    const doc = (await (await call(host, 'GET', '/openapi.json')).json()) as OpenApi;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/catalog/v1/products', '/catalog/v1/products/{id}', '/inventory/v1/reservations/{reservationId}']),
    );
    const update = doc.paths['/catalog/v1/products/{id}']?.patch;
    expect(Object.keys(update?.responses ?? {}).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '408',
      '409',
      '412',
      '413',
      '415',
      '422',
      '428',
      '429',
      '500',
      '502',
      '503',
      '504',
    ]);
    expect(update?.responses['412']?.content).toHaveProperty(['application/problem+json']);
  });

  it('/<module>/openapi.json holds only that module', async () => {
    const doc = (await (await call(host, 'GET', '/inventory/openapi.json')).json()) as OpenApi & { info: { title: string; version: string } };
    expect(doc.info).toMatchObject({ title: 'Cleave inventory', version: '1.0.0' });
    expect(Object.keys(doc.paths).every((p) => p.startsWith('/inventory/v1/'))).toBe(true);
  });

  it('/docs serves the API reference page with its assets from this server', async () => {
    const page = await call(host, 'GET', '/docs');
    const html = await page.text();
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(html).toContain('/docs/assets/swagger-ui-bundle.js');
    const bundle = await call(host, 'GET', '/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    expect(await (await call(host, 'GET', '/docs/init.js')).text()).toContain('/openapi.json');
    expect((await call(host, 'GET', '/docs/assets/package.json')).status).toBe(404);
  });

  it('the typed client calls another module in-process and returns its typed body', async () => {
    const catalog = inventory().client(catalogContract);
    // Creating a product needs catalog:write: inventory calls for a user who holds it; on its own it may not.
    const alone = await catalog.createProduct({ body: { sku: 'CLIENT-0', name: 'Refused', price: { amount: 100, currency: 'EUR' } } }).catch((e: unknown) => e);
    expect(alone).toMatchObject({ code: 'auth/insufficient-scope', problem: { status: 403 } });
    const created = await asAdmin(host, () =>
      catalog.createProduct({ body: { sku: 'CLIENT-1', name: 'Via client', price: { amount: 100, currency: 'EUR' } } }),
    );
    expect(created.status).toBe(201);
    const read = await catalog.getProduct({ params: { id: created.body.id } });
    expect(read.body.sku).toBe('CLIENT-1');
  });

  it('the typed client’s invalid request is rejected by validation before the handler runs', async () => {
    const catalog = inventory().client(catalogContract);
    const before = (await catalog.listProducts({ query: { limit: 100 } })).body.items.length;
    const attempt = asAdmin(host, () =>
      catalog.createProduct({
        // @ts-expect-error the amount must be a number: the compiler rejects this call too.
        body: { sku: 'BAD 1', name: 'Invalid', price: { amount: '12', currency: 'EUR' } },
      }),
    );
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteProblemError);
    expect(error).toMatchObject({ code: 'http/validation-failed', module: 'catalog', problem: { status: 400 } });
    expect((error as RemoteProblemError).problem.errors?.map((e) => e.path).sort()).toEqual(['price.amount', 'sku']);
    expect((await catalog.listProducts({ query: { limit: 100 } })).body.items.length).toBe(before);
  });

  it('event handler log lines carry the event id, module and consumer; request lines carry the request id', async () => {
    const created = await call(
      host,
      'POST',
      '/catalog/v1/products',
      { sku: 'LOG-1', name: 'Logged', price: { amount: 1, currency: 'EUR' } },
      { 'x-request-id': 'req-log-1' },
    );
    const { id } = (await created.json()) as { id: string };
    const handled = await eventually(() => {
      const line = logLines.find((l) => l.msg === 'stock item created' && l.productId === id);
      if (!line) throw new Error('not yet');
      return line;
    });
    expect(handled).toMatchObject({
      module: 'inventory',
      consumer: 'inventory:create-stock-item',
      event: 'catalog.product-created',
      correlationId: 'req-log-1',
    });
    expect(handled.eventId).toEqual(expect.any(String));
    expect(logLines).toContainEqual(expect.objectContaining({ msg: 'request', requestId: 'req-log-1', module: 'catalog', status: 201 }));
  });
});
