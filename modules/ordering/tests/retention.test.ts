import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultRows } from '../../../platform/db/index.ts';
import type { Host, HostedModule } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { call, eventually } from '../../../tests/support/test-host.ts';
import { cartWith, checkOut, customer, orderReaching, startShop, stockedProduct } from './support.ts';

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

  it('a cart untouched for a year goes with its lines; a recent one is kept as it is', async () => {
    const product = await stockedProduct(host, 5);
    const who = await customer(host, 'rita');
    const [stale, recent] = [await cartWith(who, { [product]: 1 }), await cartWith(who, { [product]: 2 })];
    await ordering.database.db.execute(sql`update ordering.carts set updated_at = now() - interval '13 months' where id = ${stale.id}`);

    const run = await ordering.retention.run();
    expect(run).toContainEqual({ table: 'carts', action: 'delete', rows: 1 });
    expect(run).toContainEqual({ table: 'cart_lines', action: 'delete', rows: 1 });
    expect(await cartRow(stale.id)).toBeUndefined();
    expect(await cartRow(recent.id)).toMatchObject({ lines: 1 });
    expect((await who.call('GET', `/ordering/v1/carts/${stale.id}`)).status).toBe(404);
    expect((await who.call('GET', `/ordering/v1/carts/${recent.id}`)).status).toBe(200);
    expect(await ordering.retention.run()).toContainEqual({ table: 'carts', action: 'delete', rows: 0 });
  });

  const rows = async <T>(query: ReturnType<typeof sql>) => resultRows<T>(await ordering.database.db.execute(query));
  const count = async (query: ReturnType<typeof sql>) => (await rows<{ n: number }>(query))[0]?.n;

  it('an order ten years past its last event goes whole: stream, read models, saga and history; a rebuild brings none back', async () => {
    const product = await stockedProduct(host, 5);
    const who = await customer(host, 'otto');
    const [old, young] = [await checkOut(who, (await cartWith(who, { [product]: 1 })).id), await checkOut(who, (await cartWith(who, { [product]: 1 })).id)];
    await orderReaching(who, old, 'completed');
    await orderReaching(who, young, 'completed');
    // Both read models have handled every event of both orders before the clock is turned back.
    await eventually(async () => {
      const detail = await rows<{ id: string; version: number }>(sql`select id::text as id, version from ordering.order_detail where id in (${old}, ${young})`);
      const streams = await rows<{ id: string; version: number }>(
        sql`select stream_id as id, max(version) as version from ordering.es_events where stream_id in (${old}, ${young}) group by 1`,
      );
      expect(detail.sort((a, b) => a.id.localeCompare(b.id))).toEqual(streams.sort((a, b) => a.id.localeCompare(b.id)));
    }, 30_000);
    const events = await count(sql`select count(*)::int as n from ordering.es_events where stream_id = ${old}`);
    expect(events).toBeGreaterThan(3);
    // Ten years and a day ago: the stream's events (past its append-only trigger, as only a test may), the read models
    // (aged by the last event they handled), and the saga's end.
    await ordering.database.db.transaction(async (tx) => {
      await tx.execute(sql`alter table ordering.es_events disable trigger es_events_no_change`);
      await tx.execute(sql`update ordering.es_events set at = at - interval '10 years 1 day' where stream_id = ${old}`);
      await tx.execute(sql`alter table ordering.es_events enable trigger es_events_no_change`);
    });
    for (const table of ['order_list', 'order_detail']) {
      await ordering.database.db.execute(
        sql`update ${sql.identifier('ordering')}.${sql.identifier(table)} set updated_at = updated_at - interval '10 years 1 day' where id = ${old}`,
      );
    }
    await ordering.database.db.execute(sql`update ordering.sagas set ended_at = ended_at - interval '2 years' where id = ${old}`);
    const history = await count(sql`select count(*)::int as n from ordering.saga_history where saga_id = ${old}`);

    const run = await ordering.retention.run();
    expect(run).toContainEqual({ table: 'es_events', action: 'delete', rows: events });
    expect(run).toContainEqual({ table: 'order_list', action: 'delete', rows: 1 });
    expect(run).toContainEqual({ table: 'order_detail', action: 'delete', rows: 1 });
    expect(run).toContainEqual({ table: 'sagas', action: 'delete', rows: 1 });
    expect(run).toContainEqual({ table: 'saga_history', action: 'delete', rows: history });
    expect((await who.call('GET', `/ordering/v1/orders/${old}`)).status).toBe(404);
    expect((await who.call('GET', `/ordering/v1/orders/${young}`)).status).toBe(200);
    expect(await count(sql`select count(*)::int as n from ordering.saga_history where saga_id = ${young}`)).toBeGreaterThan(0);

    // Still append-only for everyone else: a delete outside the retention job's transaction is refused.
    const refused: unknown = await ordering.database.db.execute(sql`delete from ordering.es_events where stream_id = ${young}`).then(
      () => 'deleted',
      (error: unknown) => error,
    );
    expect(String((refused as { cause?: unknown }).cause ?? refused)).toMatch(/append-only/);

    // Rebuilt from the streams left, the read models hold the young order and not the old one.
    for (const name of ['order-list', 'order-detail']) expect((await call(host, 'POST', `/ops/projections/ordering/${name}/rebuild`)).status).toBe(202);
    await eventually(async () => {
      const { items } = (await (await call(host, 'GET', '/ops/projections')).json()) as {
        items: { module: string; rebuild: unknown; rebuiltAt: string | null }[];
      };
      expect(items.filter((p) => p.module === 'ordering').every((p) => p.rebuild === null && p.rebuiltAt !== null)).toBe(true);
    }, 30_000);
    for (const table of ['order_list', 'order_detail']) {
      const ids = await rows<{ id: string }>(
        sql`select id::text as id from ${sql.identifier('ordering')}.${sql.identifier(table)} where id in (${old}, ${young})`,
      );
      expect(
        ids.map((r) => r.id),
        table,
      ).toEqual([young]);
    }
  });
});
