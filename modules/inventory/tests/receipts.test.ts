/**
 * Receiving stock up to what a stock item can count: `on_hand` is a PostgreSQL integer, so a receipt that would take
 * it past 2,147,483,647 is refused as a conflict, never failed in the database as a 500.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../../../apps/modules.ts';
import type { Host, HostedModule } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { call, startTestHost } from '../../../tests/support/test-host.ts';
import { stockedProduct } from './support.ts';

describe.each(testDatabases)('inventory receipts, on $name', (testDatabase) => {
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

  it('a receipt that would take on hand past 2,147,483,647 is 409 inventory/stock-limit-exceeded; up to it is received', async () => {
    const id = await stockedProduct((method, path, body) => call(host, method, path, body), 1);
    // 2,147 receipts of a million each would get here too; the test sets the count directly.
    await inventory.database.db.execute(sql`update "inventory"."stock_items" set "on_hand" = 2146483648 where "product_id" = ${id}`);
    const over = await call(host, 'POST', `/inventory/v1/stock/${id}/receipts`, { quantity: 1_000_000 });
    expect([over.status, await over.json()]).toMatchObject([409, { code: 'inventory/stock-limit-exceeded', onHand: 2_146_483_648, quantity: 1_000_000 }]);
    const upTo = await call(host, 'POST', `/inventory/v1/stock/${id}/receipts`, { quantity: 999_999 });
    expect([upTo.status, ((await upTo.json()) as { onHand: number }).onHand]).toEqual([200, 2_147_483_647]);
    const receipts = await inventory.database.db.execute(sql`select count(*)::int as n from "inventory"."receipts" where "product_id" = ${id}`);
    expect(JSON.stringify(receipts)).toContain('"n":2');
  });
});
