import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../../../apps/modules.ts';
import { resultRows } from '../../../platform/db/index.ts';
import type { Host, HostedModule } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { call, startTestHost } from '../../../tests/support/test-host.ts';
import { stockedProduct } from './support.ts';

describe.each(testDatabases)('inventory retention, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let inventory: HostedModule;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startTestHost({ database, modules: modules.filter((m) => ['catalog', 'inventory'].includes(m.name)) });
    inventory = host.modules.find((m) => m.definition.name === 'inventory') as HostedModule;
  });
  afterAll(async () => {
    await host.stop();
    await database.close();
  });

  it('reservations released or committed a year ago go; an active one stays however old, its stock still held', async () => {
    const id = await stockedProduct((method, path, body) => call(host, method, path, body), 10);
    const [released, committed, active, recent] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    for (const r of [released, committed, active, recent]) {
      expect((await call(host, 'PUT', `/inventory/v1/reservations/${r}`, { productId: id, quantity: 1 })).status).toBe(201);
    }
    expect((await call(host, 'POST', `/inventory/v1/reservations/${released}/release`)).status).toBe(200);
    expect((await call(host, 'POST', `/inventory/v1/reservations/${committed}/commit`)).status).toBe(200);
    expect((await call(host, 'POST', `/inventory/v1/reservations/${recent}/release`)).status).toBe(200);
    const db = inventory.database.db;
    await db.execute(sql`update inventory.reservations set created_at = now() - interval '13 months' where id in (${released}, ${committed}, ${active})`);
    await db.execute(sql`update inventory.receipts set received_at = now() - interval '11 years' where product_id = ${id}`);
    const stockBefore = await (await call(host, 'GET', `/inventory/v1/stock/${id}`)).json();

    const run = await inventory.retention.run();
    expect(run).toContainEqual({ table: 'reservations', action: 'delete', rows: 2 });
    expect(run).toContainEqual({ table: 'receipts', action: 'delete', rows: 1 });
    const left = resultRows<{ id: string; status: string }>(
      await db.execute(
        sql`select id::text as id, status from inventory.reservations where id in (${released}, ${committed}, ${active}, ${recent}) order by status`,
      ),
    );
    expect(left).toEqual([
      { id: active, status: 'active' },
      { id: recent, status: 'released' },
    ]);
    // Stock is counted on the stock item, not summed from receipts or reservations: unchanged, the active one still held.
    expect(await (await call(host, 'GET', `/inventory/v1/stock/${id}`)).json()).toEqual(stockBefore);
    expect((await call(host, 'POST', `/inventory/v1/reservations/${active}/release`)).status).toBe(200);
  });
});
