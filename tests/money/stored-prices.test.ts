/**
 * Prices the catalog stored before it took only currencies in use and amounts one payment may be: they still read,
 * and ordering refuses to put them in a cart, so no order asks payments for what it would refuse.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { products } from '../../modules/catalog/infrastructure/schema.ts';
import type { CartDto } from '../../modules/ordering/index.ts';
import { cartWith, customer, startShop, stockedProduct, type Customer } from '../../modules/ordering/tests/support.ts';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { answerValidator } from '../support/fuzz/checks.ts';
import { operations } from '../support/fuzz/requests.ts';
import type { Schema } from '../support/fuzz/schema-arbitrary.ts';
import { call } from '../support/test-host.ts';

describe.each(testDatabases)('prices stored before the money rules, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let alice: Customer;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startShop(database);
    alice = await customer(host, 'alice');
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  /** A product whose stored price is `price`, as a row written before the rules would hold it. */
  async function storedAt(price: { amount: number; currency: string }): Promise<string> {
    const id = await stockedProduct(host, 5);
    await database.db.update(products).set({ priceAmount: price.amount, priceCurrency: price.currency }).where(eq(products.id, id));
    const read = await call(host, 'GET', `/catalog/v1/products/${id}`);
    const body = (await read.json()) as { price: unknown };
    expect([read.status, body.price]).toEqual([200, price]);
    // The document promises it too: answers are described by the lenient `Money`, not the `MoneyInput` requests get.
    const doc = (await (await host.app.request('/openapi.json')).json()) as Schema;
    const getProduct = operations(doc).find((op) => op.method === 'GET' && op.path === '/catalog/v1/products/{id}');
    const validate = getProduct && answerValidator(doc)(getProduct, 200, 'application/json');
    if (!validate) throw new Error('the document has no 200 answer of GET /catalog/v1/products/{id}');
    validate(body);
    expect(validate.errors ?? null).toBeNull();
    return id;
  }

  it.each([
    ['a retired currency', { amount: 1250, currency: 'ZZZ' }, 'currency-not-payable'],
    // Above ordering's 32-bit price column and far above payments' limit: once a 500 from the database.
    ['an amount above one payment', { amount: 4_503_599_627_370_497, currency: 'EUR' }, 'over-payment-limit'],
  ])('a product priced in %s reads, but a cart refuses it and stays as it was', async (_, price, reason) => {
    const kept = await stockedProduct(host, 5);
    const cart = await cartWith(alice, { [kept]: 1 });
    const old = await storedAt(price);
    const refused = await alice.call('PUT', `/ordering/v1/carts/${cart.id}/lines/${old}`, { quantity: 1 });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'ordering/product-unavailable', productId: old, reason });
    const after = (await (await alice.call('GET', `/ordering/v1/carts/${cart.id}`)).json()) as CartDto;
    expect(after.lines.map((l) => l.productId)).toEqual([kept]);
  });
});
