import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../platform/host/index.ts';
import type { CostReport } from '../../platform/metrics/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { parseExposition, valueOf } from '../support/prometheus-text.ts';
import { call, eventually, startTestHost } from '../support/test-host.ts';
import { clientToken } from '../support/tokens.ts';

describe.each(testDatabases)('GET /ops/costs on $name', (testDatabase) => {
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

  const report = async (query = ''): Promise<CostReport> => {
    const response = await call(host, 'GET', `/ops/costs${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as CostReport;
  };
  const of = (r: CostReport, module: string) => r.modules.find((m) => m.module === module);

  it('counts what each module used: requests, handler, consumer and database time, events published and consumed', async () => {
    const before = await report();
    const created: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await call(host, 'POST', '/catalog/v1/products', {
        sku: `COST-${randomUUID().slice(0, 8)}`,
        name: 'Costed',
        price: { amount: 100, currency: 'EUR' },
      });
      expect(answer.status).toBe(201);
      created.push(((await answer.json()) as { id: string }).id);
    }
    // Each creation is published by catalog and consumed by inventory, which starts keeping its stock.
    const after = await eventually(async () => {
      const r = await report();
      expect((of(r, 'inventory')?.eventsConsumed ?? 0) - (of(before, 'inventory')?.eventsConsumed ?? 0)).toBeGreaterThanOrEqual(3);
      // Counted when the bus has acknowledged the hand-over, which over BullMQ can come after a worker took the job.
      expect((of(r, 'catalog')?.eventsPublished ?? 0) - (of(before, 'catalog')?.eventsPublished ?? 0)).toBeGreaterThanOrEqual(3);
      return r;
    }, 20_000);
    const catalog = of(after, 'catalog');
    const inventory = of(after, 'inventory');
    expect(catalog).toMatchObject({ owner: 'team-merchandising', costCentre: 'cc-1100-merchandising' });
    expect((catalog?.requests ?? 0) - (of(before, 'catalog')?.requests ?? 0)).toBe(3);
    expect(catalog?.requestSeconds).toBeGreaterThan(of(before, 'catalog')?.requestSeconds ?? 0);
    // The product rows and their outbox rows are statements on catalog's schema; inventory's consumer writes its own.
    expect((catalog?.statements ?? 0) - (of(before, 'catalog')?.statements ?? 0)).toBeGreaterThanOrEqual(6);
    expect(catalog?.databaseSeconds).toBeGreaterThan(0);
    expect(inventory?.consumerSeconds).toBeGreaterThan(0);
    expect(inventory?.statements).toBeGreaterThan(0);
    // Shares split the busy time; the owners' rows sum their modules.
    const shares = after.modules.reduce((sum, m) => sum + m.share, 0);
    expect(shares).toBeCloseTo(1, 5);
    const merchandising = after.owners.find((o) => o.owner === 'team-merchandising');
    expect(merchandising).toMatchObject({ costCentre: 'cc-1100-merchandising', modules: ['catalog'], requests: catalog?.requests });
    // On Node the process reports its CPU, which is allocated by share.
    expect(after.cpuSeconds).toBeGreaterThan(0);
    expect(catalog?.cpuSeconds).toBeCloseTo((after.cpuSeconds ?? 0) * (catalog?.share ?? 0), 6);
  });

  it('exports busy and database time per module, and the cost centre on cleave_module_info', async () => {
    const response = await call(host, 'GET', '/metrics');
    const samples = parseExposition(await response.text());
    expect(valueOf(samples, 'cleave_module_info', { module: 'inventory', cost_centre: 'cc-1200-fulfilment', owner: 'team-fulfilment' })).toBe(1);
    expect(valueOf(samples, 'cleave_module_busy_seconds_total', { module: 'catalog', kind: 'http' })).toBeGreaterThan(0);
    expect(valueOf(samples, 'cleave_module_database_seconds_total', { module: 'catalog' })).toBeGreaterThan(0);
  });

  it('refuses a bad window with a problem, and anyone without the operator scope', async () => {
    for (const minutes of ['0', '61', 'x', '1e1']) {
      const answer = await call(host, 'GET', `/ops/costs?minutes=${minutes}`);
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await call(host, 'GET', '/ops/costs', undefined, { authorization: '' })).status).toBe(401);
    const token = await clientToken(host, `cost-reader-${randomUUID().slice(0, 8)}`, ['catalog:read']);
    expect((await call(host, 'GET', '/ops/costs', undefined, { authorization: `Bearer ${token}` })).status).toBe(403);
    const window = (await report('?minutes=5')).window;
    expect(window.seconds).toBeLessThanOrEqual(300);
  });
});
