/**
 * Carts and the order a checkout places, through HTTP with customer tokens: lines priced by the catalog, a cart
 * or order of another customer answering 404, machine tokens refused, empty carts, repeated checkouts, and an order
 * readable right after its 202. The checkout's outcomes (completed, rejected) are in checkout.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultRows } from '../../../platform/db/index.ts';
import type { Host, HostedModule } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { call, eventually } from '../../../tests/support/test-host.ts';
import { eraseCustomer } from '../application/erase-customer.ts';
import type { CartDto, OrderDto } from '../index.ts';
import { cartWith, checkOut, customer, startShop, stockedProduct, type Customer } from './support.ts';

describe.each(testDatabases)('ordering: carts on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let alice: Customer;
  let bob: Customer;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startShop(database);
    [alice, bob] = [await customer(host, 'alice'), await customer(host, 'bob')];
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  it("a line carries the catalog's name, SKU and price; totals add up; a line is replaced, then removed", async () => {
    const [teapot, cup] = [await stockedProduct(host, 5, 1250), await stockedProduct(host, 5, 300)];
    let cart = await cartWith(alice, { [teapot]: 1, [cup]: 4 });
    expect(cart.lines.map((l) => [l.name, l.quantity, l.unitPrice.amount, l.lineTotal.amount])).toEqual([
      ['Teapot', 1, 1250, 1250],
      ['Teapot', 4, 300, 1200],
    ]);
    expect(cart.total).toEqual({ amount: 2450, currency: 'EUR' });
    cart = (await (await alice.call('PUT', `/ordering/v1/carts/${cart.id}/lines/${cup}`, { quantity: 2 })).json()) as CartDto;
    expect(cart.total).toEqual({ amount: 1850, currency: 'EUR' });
    cart = (await (await alice.call('DELETE', `/ordering/v1/carts/${cart.id}/lines/${teapot}`)).json()) as CartDto;
    expect(cart.lines.map((l) => l.productId)).toEqual([cup]);
    expect(((await (await alice.call('GET', `/ordering/v1/carts/${cart.id}`)).json()) as CartDto).total).toEqual({ amount: 600, currency: 'EUR' });
  });

  it("a cart's only product, repriced in another currency, is put back at its new price; next to another line it is a mismatch", async () => {
    const [lamp, cup] = [await stockedProduct(host, 5, 1000), await stockedProduct(host, 5, 300)];
    const cart = await cartWith(alice, { [lamp]: 1 });
    const repriced = await call(host, 'PATCH', `/catalog/v1/products/${lamp}`, { price: { amount: 1200, currency: 'USD' } }, { 'if-match': '*' });
    expect(repriced.status).toBe(200);
    const put = await alice.call('PUT', `/ordering/v1/carts/${cart.id}/lines/${lamp}`, { quantity: 2 });
    expect(put.status).toBe(200);
    expect(((await put.json()) as CartDto).total).toEqual({ amount: 2400, currency: 'USD' });
    const other = await cartWith(alice, { [cup]: 1 });
    const mixed = await alice.call('PUT', `/ordering/v1/carts/${other.id}/lines/${lamp}`, { quantity: 1 });
    expect([mixed.status, ((await mixed.json()) as { code: string }).code]).toEqual([409, 'ordering/currency-mismatch']);
  });

  it("an empty cart (total null) and a filled one pass the contract's own Cart schema, as a generated client validates them", async () => {
    const document = JSON.parse(readFileSync(new URL('../../../contracts/openapi/ordering.json', import.meta.url), 'utf8')) as { components: object };
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'ordering.json', components: document.components });
    const validCart = ajv.getSchema('ordering.json#/components/schemas/Cart');
    const empty = await cartWith(alice, {});
    expect(empty.total).toBeNull();
    expect([validCart?.(empty), validCart?.errors ?? null]).toEqual([true, null]);
    const filled = await cartWith(alice, { [await stockedProduct(host, 1, 700)]: 1 });
    expect([validCart?.(filled), validCart?.errors ?? null]).toEqual([true, null]);
  });

  it('an unknown or archived product is refused with ordering/product-unavailable; a quantity over 100 is a 400', async () => {
    const cart = await cartWith(alice, {});
    const unknown = await alice.call('PUT', `/ordering/v1/carts/${cart.id}/lines/0192f1c2-7b4e-7c1a-9d3e-2a6f0b8c4d51`, { quantity: 1 });
    expect([unknown.status, ((await unknown.json()) as { code: string }).code]).toEqual([409, 'ordering/product-unavailable']);
    const archived = await stockedProduct(host, 0);
    expect((await call(host, 'POST', `/catalog/v1/products/${archived}/archive`)).status).toBe(200);
    const refused = await alice.call('PUT', `/ordering/v1/carts/${cart.id}/lines/${archived}`, { quantity: 1 });
    expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([409, 'ordering/product-unavailable']);
    expect((await alice.call('PUT', `/ordering/v1/carts/${cart.id}/lines/${archived}`, { quantity: 101 })).status).toBe(400);
  });

  it('a line that would take the cart over what one payment may be is refused, not stored or failed later', async () => {
    const cart = await cartWith(alice, {});
    // The catalog sells nothing dearer than one payment (a price stored before that rule: tests/money/).
    const dearest = await stockedProduct(host, 0, 1_000_000_000);
    const refusedTwo = await alice.call('PUT', `/ordering/v1/carts/${cart.id}/lines/${dearest}`, { quantity: 2 });
    expect(refusedTwo.status).toBe(409);
    expect(await refusedTwo.json()).toMatchObject({ code: 'ordering/product-unavailable', reason: 'over-payment-limit' });
    // Each line payable, together not: once accepted, then an order rejected at payment with a validation message.
    const dear = await stockedProduct(host, 0, 600_000_000);
    expect((await alice.call('PUT', `/ordering/v1/carts/${cart.id}/lines/${dear}`, { quantity: 1 })).status).toBe(200);
    const twice = await alice.call('PUT', `/ordering/v1/carts/${cart.id}/lines/${dear}`, { quantity: 2 });
    expect(twice.status).toBe(409);
    expect(await twice.json()).toMatchObject({ code: 'ordering/product-unavailable', reason: 'over-payment-limit' });
    const kept = (await (await alice.call('GET', `/ordering/v1/carts/${cart.id}`)).json()) as CartDto;
    expect(kept.lines.map((l) => [l.productId, l.quantity])).toEqual([[dear, 1]]);
  });

  it("another customer's cart and order answer 404, as if they did not exist", async () => {
    const product = await stockedProduct(host, 5);
    const cart = await cartWith(alice, { [product]: 1 });
    for (const [method, path, body] of [
      ['GET', `/ordering/v1/carts/${cart.id}`],
      ['PUT', `/ordering/v1/carts/${cart.id}/lines/${product}`, { quantity: 3 }],
      ['DELETE', `/ordering/v1/carts/${cart.id}/lines/${product}`],
      ['POST', `/ordering/v1/carts/${cart.id}/checkout`],
    ] as const) {
      const refused = await bob.call(method, path, body);
      expect([method, refused.status, ((await refused.json()) as { code: string }).code]).toEqual([method, 404, 'ordering/cart-not-found']);
    }
    const orderId = await checkOut(alice, cart.id);
    const hidden = await bob.call('GET', `/ordering/v1/orders/${orderId}`);
    expect([hidden.status, ((await hidden.json()) as { code: string }).code]).toEqual([404, 'ordering/order-not-found']);
    expect(((await (await bob.call('GET', '/ordering/v1/orders')).json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('a forged page cursor is 422 ordering/invalid-cursor, never a 500 from the database casting its time or id', async () => {
    const id = randomUUID();
    for (const text of [
      `2026-12-05T07:37:27.655Z|${'-'.repeat(36)}`,
      `+275760-09-13T00:00:00.000Z|${id}`,
      `-271821-04-20T00:00:00.000Z|${id}`,
      `20000-01-01|${id}`,
      `0000-01-01T00:00:00.000Z|${id}`,
      `2026-02-30T00:00:00.000Z|${id}`,
      `2026-12-05T07:37:27.655Z|${id}|more`,
    ]) {
      const response = await alice.call('GET', `/ordering/v1/orders?cursor=${Buffer.from(text).toString('base64url')}`);
      expect([text, response.status, ((await response.json()) as { code: string }).code]).toEqual([text, 422, 'ordering/invalid-cursor']);
    }
    const issued = await alice.call('GET', `/ordering/v1/orders?cursor=${Buffer.from(`0001-01-01T00:00:00.000Z|${id}`).toString('base64url')}`);
    expect([issued.status, await issued.json()]).toEqual([200, { items: [], nextCursor: null }]);
  });

  it('a machine client (no user behind its token) gets 403 ordering/customer-token-required; no token gets 401', async () => {
    const machine = await call(host, 'POST', '/ordering/v1/carts');
    expect([machine.status, ((await machine.json()) as { code: string }).code]).toEqual([403, 'ordering/customer-token-required']);
    expect((await call(host, 'GET', '/ordering/v1/orders', undefined, { authorization: '' })).status).toBe(401);
  });

  it('a web client may send {} to open a cart, and an Idempotency-Key with its checkout (replayed: the same order)', async () => {
    const auth = { authorization: `Bearer ${alice.token}` };
    const opened = await call(host, 'POST', '/ordering/v1/carts', {}, auth);
    expect(opened.status).toBe(201);
    const cart = (await opened.json()) as CartDto;
    const product = await stockedProduct(host, 5);
    expect((await alice.call('PUT', `/ordering/v1/carts/${cart.id}/lines/${product}`, { quantity: 1 })).status).toBe(200);
    const key = { ...auth, 'idempotency-key': `checkout-${cart.id}` };
    const first = await call(host, 'POST', `/ordering/v1/carts/${cart.id}/checkout`, undefined, key);
    const again = await call(host, 'POST', `/ordering/v1/carts/${cart.id}/checkout`, undefined, key);
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(((await again.json()) as { orderId: string }).orderId).toBe(((await first.json()) as { orderId: string }).orderId);
  });

  it('a cart opened while its customer is being erased is erased with them or refused after, never left behind', async () => {
    const carol = await customer(host, 'carol');
    const userId = (JSON.parse(Buffer.from(carol.token.split('.')[1] ?? '', 'base64url').toString()) as { sub: string }).sub;
    const earlier = await cartWith(carol, {});
    const ordering = host.modules.find((m) => m.definition.name === 'ordering') as HostedModule;
    let opening: Promise<Response> | undefined;
    await database.db.transaction(async (tx) => {
      await eraseCustomer(tx, ordering.definition.data ?? {}, userId, randomUUID());
      // Carol's token, issued before the erasure, asks for a cart while the erasure has not committed: on PostgreSQL
      // it waits for the erasure (PGlite runs one transaction at a time anyway).
      opening = carol.call('POST', '/ordering/v1/carts');
      if (testDatabase.name === 'postgres') {
        await eventually(async () => {
          const waiting = await database.db.execute(sql`select 1 from pg_locks where "locktype" = 'advisory' and not "granted"`);
          expect(resultRows(waiting).length).toBeGreaterThan(0);
        }, 30_000);
      }
    });
    const late = (await opening) as Response;
    expect([late.status, ((await late.json()) as { code: string }).code]).toEqual([403, 'ordering/customer-erased']);
    const left = await database.db.execute(sql`select "id" from ordering.carts where "customer_id" = ${userId} or "id" = ${earlier.id}`);
    expect(resultRows(left)).toEqual([]);
  });

  it('an empty cart cannot be checked out (409 ordering/cart-empty)', async () => {
    const cart = await cartWith(alice, {});
    const refused = await alice.call('POST', `/ordering/v1/carts/${cart.id}/checkout`);
    expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([409, 'ordering/cart-empty']);
  });

  it('a checkout answers 202 with the order, readable at once; checking out again gives the same order; the cart is closed', async () => {
    const product = await stockedProduct(host, 5);
    const cart = await cartWith(alice, { [product]: 2 });
    const orderId = await checkOut(alice, cart.id);
    // Straight after the 202: from the read model, or folded from the stream while the model catches up; never a 404.
    const first = await alice.call('GET', `/ordering/v1/orders/${orderId}`);
    expect(first.status).toBe(200);
    const order = (await first.json()) as OrderDto;
    expect(order).toMatchObject({ id: orderId, total: { amount: 2500, currency: 'EUR' }, lines: [{ productId: product, quantity: 2 }] });
    expect(order.history[0]?.status).toBe('pending');
    expect(await checkOut(alice, cart.id)).toBe(orderId);
    const closed = (await (await alice.call('GET', `/ordering/v1/carts/${cart.id}`)).json()) as CartDto;
    expect(closed).toMatchObject({ status: 'checked-out', orderId });
    const edit = await alice.call('PUT', `/ordering/v1/carts/${cart.id}/lines/${product}`, { quantity: 1 });
    expect([edit.status, ((await edit.json()) as { code: string }).code]).toEqual([409, 'ordering/cart-checked-out']);
  });
});
