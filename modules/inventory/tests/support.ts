import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { eventually } from '../../../tests/support/test-host.ts';

/** How a test sends a request to a host running catalog and inventory (in process, or over HTTP). */
export type Send = (method: string, path: string, body?: unknown) => Promise<Response>;

/** A new catalog product, once inventory tracks it, with `units` received: its id. */
export async function stockedProduct(send: Send, units: number): Promise<string> {
  const created = await send('POST', '/catalog/v1/products', {
    sku: `SKU-${randomUUID().slice(0, 8)}`,
    name: 'Widget',
    price: { amount: 500, currency: 'EUR' },
  });
  const { id } = (await created.json()) as { id: string };
  await eventually(async () => expect((await send('GET', `/inventory/v1/stock/${id}`)).status).toBe(200));
  expect((await send('POST', `/inventory/v1/stock/${id}/receipts`, { quantity: units })).status).toBe(200);
  return id;
}
