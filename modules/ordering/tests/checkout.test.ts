/**
 * The checkout saga end to end, through HTTP with a customer's token: a completed order (payment captured, stock off
 * the books, read models and integration events), an order rejected for want of stock (nothing reserved, nothing
 * charged), a declined card (reservation released), and both read models rebuilt to the same rows.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultRows } from '../../../platform/db/index.ts';
import type { Host } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { call, eventually } from '../../../tests/support/test-host.ts';
import { paymentIntentIdOf } from '../application/checkout-ids.ts';
import type { OrderDto } from '../index.ts';
import { cartWith, checkOut, customer, orderReaching, startShop, stockedProduct, stockOf, type Customer } from './support.ts';

describe.each(testDatabases)('ordering: checkout on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let alice: Customer;

  const rows = async (query: ReturnType<typeof sql>) => resultRows<Record<string, unknown>>(await database.db.execute(query));
  const published = async (orderId: string) =>
    (await rows(sql`select "name" from "ordering"."outbox" where "aggregate_key" = ${orderId} order by "seq"`)).map((r) => r.name);
  const payment = (orderId: string) => call(host, 'GET', `/payments/v1/intents/${paymentIntentIdOf(orderId)}`);
  const ledger = async () => (await (await call(host, 'GET', '/payments/v1/ledger')).json()) as { balanced: boolean; entries: number };
  const saga = async (orderId: string) => (await (await call(host, 'GET', `/ops/sagas/ordering/${orderId}`)).json()) as { state: string };

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startShop(database);
    alice = await customer(host, 'alice');
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  it('browse, cart, checkout: 202, then the order completes; payment captured, stock off the books, read models and events', async () => {
    const [teapot, cup] = [await stockedProduct(host, 10, 2500), await stockedProduct(host, 10, 450)];
    expect((await alice.call('GET', `/catalog/v1/products/${teapot}`)).status).toBe(200);
    const cart = await cartWith(alice, { [teapot]: 1, [cup]: 3 });
    const orderId = await checkOut(alice, cart.id);

    const order = await orderReaching(alice, orderId, 'completed');
    expect(order).toMatchObject({ total: { amount: 3850, currency: 'EUR' }, reason: null, paymentIntentId: paymentIntentIdOf(orderId) });
    expect(order.history.map((h) => h.status)).toEqual(['pending', 'confirmed', 'completed']);
    const intent = await payment(orderId);
    expect(intent.status).toBe(200);
    expect(await intent.json()).toMatchObject({ reference: orderId, amount: 3850, currency: 'EUR', status: 'captured', capturedAmount: 3850 });
    expect(await stockOf(host, teapot)).toMatchObject({ onHand: 9, reserved: 0 });
    expect(await stockOf(host, cup)).toMatchObject({ onHand: 7, reserved: 0 });
    expect((await ledger()).balanced).toBe(true);
    expect(await saga(orderId)).toMatchObject({ state: 'completed' });
    expect(await published(orderId)).toEqual(['ordering.order-placed', 'ordering.order-confirmed', 'ordering.order-completed']);

    // The read models catch up: the detail from the model, the list with the order first.
    await eventually(async () => {
      const detail = (await (await alice.call('GET', `/ordering/v1/orders/${orderId}`)).json()) as OrderDto;
      expect(detail).toMatchObject({ source: 'read-model', status: 'completed' });
      const { items } = (await (await alice.call('GET', '/ordering/v1/orders')).json()) as { items: { id: string; status: string }[] };
      expect(items[0]).toMatchObject({ id: orderId, status: 'completed', total: { amount: 3850, currency: 'EUR' } });
    }, 15_000);
  }, 60_000);

  it('out of stock: the order is rejected with inventory/insufficient-stock; nothing stays reserved, nothing is charged', async () => {
    const [plenty, scarce] = [await stockedProduct(host, 5), await stockedProduct(host, 1)];
    const before = await ledger();
    // The line with stock is reserved first; the short one fails; the compensation releases the first.
    const orderId = await checkOut(alice, (await cartWith(alice, { [plenty]: 2, [scarce]: 3 })).id);
    const order = await orderReaching(alice, orderId, 'rejected');
    expect(order.reason).toMatchObject({ code: 'inventory/insufficient-stock' });
    expect(order.history.map((h) => h.status)).toEqual(['pending', 'rejected']);
    await eventually(async () => expect(await saga(orderId)).toMatchObject({ state: 'compensated' }), 15_000);
    expect(await stockOf(host, plenty)).toMatchObject({ onHand: 5, reserved: 0 });
    expect(await stockOf(host, scarce)).toMatchObject({ onHand: 1, reserved: 0 });
    expect((await payment(orderId)).status).toBe(404);
    expect(await ledger()).toEqual(before);
    expect(await published(orderId)).toEqual(['ordering.order-placed', 'ordering.order-rejected']);
  }, 60_000);

  it('a declined card (an amount ending in 13): the reservation is released, the order rejected with payments/card-declined', async () => {
    const product = await stockedProduct(host, 4, 1013);
    const orderId = await checkOut(alice, (await cartWith(alice, { [product]: 1 })).id);
    const order = await orderReaching(alice, orderId, 'rejected');
    expect(order.reason).toMatchObject({ code: 'payments/card-declined' });
    await eventually(async () => expect(await saga(orderId)).toMatchObject({ state: 'compensated' }), 15_000);
    expect(await stockOf(host, product)).toMatchObject({ onHand: 4, reserved: 0 });
    const intent = await payment(orderId);
    if (intent.status === 200) expect(((await intent.json()) as { status: string }).status).toMatch(/^(declined|voided)$/);
    else expect(intent.status).toBe(404);
    expect((await ledger()).balanced).toBe(true);
  }, 60_000);

  it('rebuilding both read models gives the same rows', async () => {
    const models = async () => ({
      list: await rows(sql`select * from "ordering"."order_list" order by "id"`),
      detail: await rows(sql`select * from "ordering"."order_detail" order by "id"`),
    });
    // Every order so far, at its stream's last version, is in both models before the rebuild (sagas are all done).
    const versions = (r: Record<string, unknown>[]) => r.map((x) => [String(x.id), Number(x.version)]);
    await eventually(async () => {
      const streams = versions(await rows(sql`select "stream_id" as "id", max("version") as "version" from "ordering"."es_events" group by 1 order by 1`));
      const m = await models();
      expect([versions(m.list), versions(m.detail)]).toEqual([streams, streams]);
      expect(await rows(sql`select "id" from "ordering"."sagas" where "state" not in ('completed', 'compensated')`)).toEqual([]);
    }, 15_000);
    const before = await models();
    expect(before.list.length).toBeGreaterThan(0);
    for (const name of ['order-list', 'order-detail']) expect((await call(host, 'POST', `/ops/projections/ordering/${name}/rebuild`)).status).toBe(202);
    await eventually(async () => {
      const { items } = (await (await call(host, 'GET', '/ops/projections')).json()) as {
        items: { module: string; name: string; rebuild: unknown; rebuiltAt: string | null }[];
      };
      const ours = items.filter((p) => p.module === 'ordering');
      expect(ours.map((p) => [p.name, p.rebuild === null, p.rebuiltAt !== null]).sort()).toEqual([
        ['order-detail', true, true],
        ['order-list', true, true],
      ]);
    }, 30_000);
    expect(await models()).toEqual(before);
  }, 60_000);
});
