import { randomUUID } from 'node:crypto';
import type { Send } from './customer.ts';
import type { StockBefore } from './reconcile.ts';

export interface Product {
  id: string;
  price: number;
}

/**
 * Creates a product (as an admin) and receives `stock` units once inventory has its stock item (made from catalog's
 * event, so it waits for the event to arrive, through whatever bus the topology runs). Returns it with its stock.
 */
export async function stockedProduct(admin: Send, stock: number, price = 1250, deadlineMs = 60_000): Promise<Product & { before: StockBefore }> {
  const created = await admin('/catalog/v1/products', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ sku: `SHOP-${randomUUID().slice(0, 8)}`, name: 'Shop test product', price: { amount: price, currency: 'EUR' } }),
  });
  if (created.status !== 201) throw new Error(`create product: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  const until = Date.now() + deadlineMs;
  for (;;) {
    const received =
      stock === 0
        ? await admin(`/inventory/v1/stock/${id}`)
        : await admin(`/inventory/v1/stock/${id}/receipts`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
            body: JSON.stringify({ quantity: stock }),
          });
    if (received.status === 200) {
      const body = (await received.json()) as { onHand: number; reserved: number };
      return { id, price, before: { productId: id, onHand: body.onHand, reserved: body.reserved } };
    }
    await received.body?.cancel();
    if (Date.now() > until) throw new Error(`no stock item for product ${id} after ${deadlineMs} ms (${received.status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
