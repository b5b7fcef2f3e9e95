import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processTestTimeoutMs } from '../support/timeouts.ts';
import { checkout, followOrder, signUpCustomer, webClientReady, type Customer, type PlacedOrder, type Send } from './support/customer.ts';
import { stockedProduct } from './support/products.ts';
import { reconcile } from './support/reconcile.ts';
import { canRun, loggedErrors, startShop, type Shop, type ShopLayout } from './support/topology.ts';

const layouts: ShopLayout[] = ['monolith-pglite', 'monolith', 'payments-extracted', 'inventory-extracted'];

// The limits this suite runs under (stated, not switched off): each customer's token may send 600 requests a minute,
// each address 20,000; a remote module takes 50 calls at once. The client retries a 429 or 503 after Retry-After.
const limits = { RATE_LIMIT_PER_CLIENT: '600/60s', RATE_LIMIT_PER_IP: '20000/60s', REMOTE_MAX_CONCURRENT: '50' };

/**
 * The reference shop's journeys through the public HTTP API with user tokens, in one process and with payments or
 * inventory extracted (HTTP calls, BullMQ events). Every journey ends with the reconciliation checker: orders
 * terminal, stock and reservations, payments and the ledger, one message per order.
 */
describe.each(layouts)('shop journeys: %s', { timeout: processTestTimeoutMs * 2 }, (layout) => {
  const skip = !canRun(layout);
  let shop: Shop;
  let send: Send;
  let admin: Send;
  let alice: Customer;

  beforeAll(async () => {
    if (skip) return;
    shop = await startShop(layout, { env: limits });
    const monolith = shop.processes[0];
    if (!monolith) throw new Error('no monolith');
    send = (path, init) => fetch(`${shop.entry}${path}`, init);
    admin = (path, init) => monolith.fetch(path, init as RequestInit & { headers?: Record<string, string> });
    await webClientReady(send);
    alice = await signUpCustomer(send);
  }, processTestTimeoutMs);
  afterAll(async () => {
    const errors = loggedErrors(shop);
    if (errors.length > 0) console.log(`${layout}: errors logged by the processes:\n${errors.slice(0, 20).join('\n')}`);
    await shop?.stop();
  });

  const messagesOf = async (customer: Customer) => {
    const response = await send('/notifications/v1/messages', { headers: await customer.auth() });
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: { reference: string; subject: string; body: string }[] }).items;
  };

  it.skipIf(skip)('browse → cart → checkout → order completed, payment captured, stock reduced, one email', async () => {
    const product = await stockedProduct(admin, 10, 2500);
    const listed = await send(`/catalog/v1/products?limit=100`);
    expect(((await listed.json()) as { items: { id: string }[] }).items.map((p) => p.id)).toContain(product.id);

    const order = await checkout(send, alice, [{ productId: product.id, quantity: 2 }]);
    const view = await followOrder(send, order);
    expect(view).toMatchObject({ status: 'completed', total: { amount: 5000, currency: 'EUR' } });
    const report = await reconcile(send, admin, [order], [product.before]);
    expect(report.problems).toEqual([]);
    expect(report.completed).toBe(1);

    const mine = (await messagesOf(alice)).filter((m) => m.reference === order.orderId);
    expect(mine).toHaveLength(1);
    // The customer's order list is a projection: it catches up.
    const until = Date.now() + 60_000;
    for (;;) {
      const list = (await (await send('/ordering/v1/orders', { headers: await alice.auth() })).json()) as { items: { id: string; status: string }[] };
      if (list.items.some((o) => o.id === order.orderId && o.status === 'completed')) break;
      if (Date.now() > until) throw new Error(`order list never showed ${order.orderId} completed: ${JSON.stringify(list)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it.skipIf(skip)('out of stock → order rejected, nothing charged, nothing reserved', async () => {
    const product = await stockedProduct(admin, 1, 700);
    const order = await checkout(send, alice, [{ productId: product.id, quantity: 2 }]);
    const view = await followOrder(send, order);
    expect(view).toMatchObject({ status: 'rejected', reason: { code: 'inventory/insufficient-stock' } });
    const report = await reconcile(send, admin, [order], [product.before]);
    expect(report.problems).toEqual([]);
  });

  it.skipIf(skip)('payment declined → reservation released, order rejected, one email explaining it', async () => {
    // The simulated provider declines every amount whose minor units end in 13.
    const product = await stockedProduct(admin, 5, 1013);
    const order = await checkout(send, alice, [{ productId: product.id, quantity: 1 }]);
    const view = await followOrder(send, order);
    expect(view).toMatchObject({ status: 'rejected', reason: { code: 'payments/card-declined' } });
    const report = await reconcile(send, admin, [order], [product.before]);
    expect(report.problems).toEqual([]);
    const [message, ...more] = (await messagesOf(alice)).filter((m) => m.reference === order.orderId);
    expect(more).toEqual([]);
    expect(`${message?.subject} ${message?.body}`).toMatch(/declined/i);
  });

  it.skipIf(skip)('provider timeout where the charge succeeded → the saga finds it, the order completes, charged once', async () => {
    // Amounts whose minor units end in 53: the simulated provider records the operation but its first reply is lost,
    // so payments times out and answers 503; the saga's retry (same key) finds the stored authorization.
    const product = await stockedProduct(admin, 5, 1053);
    const order = await checkout(send, alice, [{ productId: product.id, quantity: 1 }]);
    const view = await followOrder(send, order);
    expect(view).toMatchObject({ status: 'completed', total: { amount: 1053 } });
    const report = await reconcile(send, admin, [order], [product.before]);
    expect(report.problems).toEqual([]);
    const intent = (await (await admin(`/payments/v1/intents/${view.paymentIntentId as string}`)).json()) as Record<string, unknown>;
    expect(intent).toMatchObject({ status: 'captured', capturedAmount: 1053, refundedAmount: 0 });
  });

  it.skipIf(skip)(
    '200 concurrent checkouts for 50 units → exactly 50 completed, the rest rejected, books reconciled, no 5xx',
    async () => {
      const product = await stockedProduct(admin, 50, 900);
      const customers = await Promise.all(Array.from({ length: 20 }, () => signUpCustomer(send)));
      // Every request's status, to prove no 5xx reached a client (a 503 the client retried is counted apart).
      const statuses = new Map<number, number>();
      const counted: Send = async (path, init) => {
        const response = await send(path, init);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        return response;
      };
      const orders: PlacedOrder[] = await Promise.all(
        Array.from({ length: 200 }, (_, i) => checkout(counted, customers[i % customers.length] as Customer, [{ productId: product.id, quantity: 1 }])),
      );
      expect(new Set(orders.map((o) => o.orderId)).size).toBe(200);
      const report = await reconcile(counted, admin, orders, [product.before]);
      expect(report.problems).toEqual([]);
      expect({ completed: report.completed, rejected: report.rejected, reasons: report.reasons }).toEqual({
        completed: 50,
        rejected: 150,
        reasons: { 'inventory/insufficient-stock': 150 },
      });
      const serverErrors = [...statuses].filter(([status]) => status >= 500 && status !== 503);
      expect(serverErrors).toEqual([]);
    },
    900_000,
  ); // 200 sagas on two loaded cores: 290 to 355 s seen with other suites beside it, so well past the default 360 s.
});
