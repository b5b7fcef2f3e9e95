import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultRows } from '../../../platform/db/index.ts';
import type { Host, HostedModule } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { cartWith, customer, startShop, stockedProduct } from './support.ts';

describe.each(testDatabases)('ordering retention, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let ordering: HostedModule;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startShop(database);
    const hosted = host.modules.find((m) => m.definition.name === 'ordering');
    if (!hosted) throw new Error('ordering is not hosted');
    ordering = hosted;
  });
  afterAll(async () => {
    await host.stop();
    await database.close();
  });

  const cartRow = async (id: string) =>
    resultRows<{ customer_id: string; lines: number }>(
      await ordering.database.db.execute(
        sql`select customer_id, (select count(*)::int from ordering.cart_lines where cart_id = ${id}) as lines from ordering.carts where id = ${id}`,
      ),
    )[0];

  it('a cart untouched for a year loses its customer (its lines stay); a recent one is kept as it is', async () => {
    const product = await stockedProduct(host, 5);
    const who = await customer(host, 'rita');
    const [stale, recent] = [await cartWith(who, { [product]: 1 }), await cartWith(who, { [product]: 2 })];
    await ordering.database.db.execute(sql`update ordering.carts set updated_at = now() - interval '13 months' where id = ${stale.id}`);

    expect(await ordering.retention.run()).toContainEqual({ table: 'carts', action: 'anonymise', rows: 1 });
    expect(await cartRow(stale.id)).toEqual({ customer_id: 'anonymised', lines: 1 });
    expect((await cartRow(recent.id))?.customer_id).not.toBe('anonymised');
    // The customer no longer finds the stale cart; the recent one is still theirs.
    expect((await who.call('GET', `/ordering/v1/carts/${stale.id}`)).status).toBe(404);
    expect((await who.call('GET', `/ordering/v1/carts/${recent.id}`)).status).toBe(200);
    // Anonymised carts are not counted again.
    expect(await ordering.retention.run()).toContainEqual({ table: 'carts', action: 'anonymise', rows: 0 });
  });
});
