import { paymentIntentIdOf } from '../../../modules/ordering/application/checkout-ids.ts';
import { followOrder, type OrderView, type PlacedOrder, type Send } from './customer.ts';

export interface StockBefore {
  productId: string;
  onHand: number;
  reserved: number;
}

export interface Reconciliation {
  completed: number;
  rejected: number;
  /** Rejections by reason code. */
  reasons: Record<string, number>;
  /** Every broken invariant, in words; empty when the books agree. */
  problems: string[];
}

async function read<T>(send: Send, path: string): Promise<{ status: number; body: T }> {
  const response = await send(path);
  return { status: response.status, body: (await response.json()) as T };
}

/**
 * The checker behind every shop journey: follows each order to its end, then counts. Stock: on hand fell by exactly
 * what completed orders bought and nothing stays reserved. Payments: a completed order's intent is captured for its
 * total, a rejected one's moved no money. The ledger balances. Each terminal order gave its customer exactly one
 * message. `admin` must carry a token with every scope (an operator's). Nothing else may touch these products meanwhile.
 */
export async function reconcile(
  send: Send,
  admin: Send,
  orders: readonly PlacedOrder[],
  stockBefore: readonly StockBefore[],
  options: { deadlineMs?: number; messages?: boolean } = {},
): Promise<Reconciliation> {
  const problems: string[] = [];
  const views = new Map<string, OrderView>();
  await Promise.all(
    orders.map(async (o) => {
      try {
        views.set(o.orderId, await followOrder(send, o, options.deadlineMs ?? 180_000));
      } catch (error) {
        problems.push((error as Error).message);
      }
    }),
  );
  const completed = orders.filter((o) => views.get(o.orderId)?.status === 'completed');
  const rejected = orders.filter((o) => views.get(o.orderId)?.status === 'rejected');
  const reasons: Record<string, number> = {};
  for (const o of rejected) {
    const code = views.get(o.orderId)?.reason?.code ?? 'none';
    reasons[code] = (reasons[code] ?? 0) + 1;
  }

  for (const before of stockBefore) {
    const sold = completed
      .flatMap((o) => o.lines)
      .filter((l) => l.productId === before.productId)
      .reduce((n, l) => n + l.quantity, 0);
    const { status, body } = await read<{ onHand: number; reserved: number }>(admin, `/inventory/v1/stock/${before.productId}`);
    if (status !== 200) problems.push(`stock of ${before.productId}: ${status}`);
    else {
      if (body.onHand !== before.onHand - sold) problems.push(`stock of ${before.productId}: on hand ${body.onHand}, expected ${before.onHand} − ${sold}`);
      if (body.reserved !== before.reserved) problems.push(`stock of ${before.productId}: ${body.reserved} reserved, expected ${before.reserved} (leaked)`);
    }
  }

  for (const o of orders) {
    const view = views.get(o.orderId);
    if (!view) continue;
    // The order view does not show its intent: ordering derives the intent's id from the order's, the same way here.
    const intentId = (view.paymentIntentId as string | undefined) ?? paymentIntentIdOf(o.orderId);
    const total = (view.total as { amount: number } | undefined)?.amount;
    const { status, body } = await read<{ status: string; capturedAmount: number; refundedAmount: number }>(admin, `/payments/v1/intents/${intentId}`);
    if (view.status === 'completed') {
      if (status !== 200 || body.status !== 'captured' || body.capturedAmount !== total)
        problems.push(`order ${o.orderId} completed but its payment is ${status} ${JSON.stringify(body)}, total ${total}`);
    } else if (status === 200 && (body.capturedAmount !== 0 || !['voided', 'declined'].includes(body.status))) {
      problems.push(`order ${o.orderId} rejected but its payment is ${JSON.stringify(body)}`);
    } else if (status !== 200 && status !== 404) problems.push(`payment of rejected order ${o.orderId}: ${status}`);
  }

  const ledger = await read<{ balanced: boolean }>(admin, '/payments/v1/ledger');
  if (ledger.status !== 200 || !ledger.body.balanced) problems.push(`ledger: ${ledger.status} ${JSON.stringify(ledger.body)}`);

  if (options.messages !== false) problems.push(...(await oneMessageEach(admin, [...completed, ...rejected])));
  return { completed: completed.length, rejected: rejected.length, reasons, problems };
}

/** Each order gave its customer exactly one message: waits for the first, then checks no second one follows. */
async function oneMessageEach(admin: Send, orders: readonly PlacedOrder[]): Promise<string[]> {
  const byCustomer = new Map<string, Set<string>>();
  for (const o of orders) byCustomer.set(o.customer.userId, (byCustomer.get(o.customer.userId) ?? new Set()).add(o.orderId));
  const count = async () => {
    const counts = new Map<string, number>();
    for (const [customerId, ids] of byCustomer) {
      const { body } = await read<{ items: { reference: string }[] }>(admin, `/notifications/v1/customers/${customerId}/messages`);
      for (const m of body.items ?? []) if (ids.has(m.reference)) counts.set(m.reference, (counts.get(m.reference) ?? 0) + 1);
    }
    return counts;
  };
  const until = Date.now() + 120_000;
  let counts = await count();
  while (orders.some((o) => !counts.has(o.orderId)) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    counts = await count();
  }
  // A duplicate would come from a redelivery: give one a moment to show, then count again.
  await new Promise((r) => setTimeout(r, 1000));
  counts = await count();
  return orders.flatMap((o) => {
    const n = counts.get(o.orderId) ?? 0;
    return n === 1 ? [] : [`order ${o.orderId}: ${n} messages to its customer, expected 1`];
  });
}
