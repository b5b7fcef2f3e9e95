import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { createHost, moduleRole, type Host } from '../../platform/host/index.ts';
import { createScratchDatabase, postgresUrl } from '../support/databases.ts';
import { call, eventually, testConfig, testLogger } from '../support/test-host.ts';

describe.skipIf(!postgresUrl)('data sovereignty on PostgreSQL', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function scratch() {
    const db = await createScratchDatabase(postgresUrl as string);
    cleanups.push(db.drop);
    return db.url;
  }
  async function host(env: Record<string, string>): Promise<Host> {
    const h = await createHost({ config: testConfig(env), modules, logger: testLogger() });
    cleanups.push(() => h.stop());
    return h;
  }
  const moduleOf = (h: Host, name: string) => {
    const m = h.modules.find((x) => x.definition.name === name);
    if (!m) throw new Error(`${name} not hosted`);
    return m;
  };

  it('each module runs as its own role and owns only its schema', async () => {
    const h = await host({ DATABASE_URL: await scratch() });
    for (const name of ['catalog', 'inventory']) {
      const rows = await moduleOf(h, name).context.db.execute(sql`select current_user as role`);
      expect((rows as unknown as { role: string }[])[0]?.role).toBe(moduleRole(name));
    }
  });

  it('a query from one module into another module’s schema fails with a permission error', async () => {
    const h = await host({ DATABASE_URL: await scratch() });
    const inventoryDb = moduleOf(h, 'inventory').context.db;
    await expect(inventoryDb.execute(sql`select count(*) from catalog.products`)).rejects.toMatchObject({
      cause: expect.objectContaining({ code: '42501', message: expect.stringContaining('permission denied for schema catalog') }),
    });
    await expect(
      inventoryDb.execute(sql`insert into catalog.outbox (id, name, version, aggregate_key, envelope) values (gen_random_uuid(), 'x', 1, 'k', '{}')`),
    ).rejects.toMatchObject({
      cause: expect.objectContaining({ code: '42501' }),
    });
    // Its own schema works, and the journey across both modules still does.
    await expect(inventoryDb.execute(sql`select count(*) from inventory.stock_items`)).resolves.toBeDefined();
    const created = await call(h, 'POST', '/catalog/v1/products', { sku: 'SOV-1', name: 'Sovereign', price: { amount: 1, currency: 'EUR' } });
    const { id } = (await created.json()) as { id: string };
    await eventually(async () => expect((await call(h, 'GET', `/inventory/v1/stock/${id}`)).status).toBe(200));
  });

  it('a module can live in its own database (<MODULE>_DATABASE_URL)', async () => {
    const main = await scratch();
    const own = await scratch();
    const h = await host({ DATABASE_URL: main, INVENTORY_DATABASE_URL: own });
    expect(moduleOf(h, 'inventory').database.describe).toContain(new URL(own).pathname);
    expect(moduleOf(h, 'catalog').database.describe).toContain(new URL(main).pathname);
    const inventoryDb = moduleOf(h, 'inventory').context.db;
    const schemas = (await inventoryDb.execute(sql`select nspname from pg_namespace where nspname in ('catalog', 'inventory')`)) as unknown as {
      nspname: string;
    }[];
    expect(schemas.map((r) => r.nspname)).toEqual(['inventory']);
    const created = await call(h, 'POST', '/catalog/v1/products', { sku: 'OWN-1', name: 'Own database', price: { amount: 1, currency: 'EUR' } });
    const { id } = (await created.json()) as { id: string };
    await eventually(async () => expect((await call(h, 'GET', `/inventory/v1/stock/${id}`)).status).toBe(200));
  });

  it('a user that may not create roles gets a clear start-up error naming the way out', async () => {
    const url = await scratch();
    const admin = (await import('postgres')).default(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`do $$ begin create role cleave_test_limited login; exception when duplicate_object then null; end $$`);
    await admin.end();
    const limited = new URL(url);
    limited.username = 'cleave_test_limited';
    await expect(createHost({ config: testConfig({ DATABASE_URL: limited.toString() }), modules, logger: testLogger() })).rejects.toThrow(
      /Could not provision role cleave_catalog and schema catalog: permission denied.*set DATABASE_ROLES=false/,
    );
  });
});
