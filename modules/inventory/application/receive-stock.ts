import { randomUUID } from 'node:crypto';
import { ProductNotStockable, StockItemNotFound, StockLimitExceeded } from '../domain/errors.ts';
import { maxOnHand, type StockItem } from '../domain/stock.ts';
import { addReceipt, ensureStockItem, findStockItem } from '../infrastructure/stock-repository.ts';
import type { InventoryDeps } from './inventory-deps.ts';

/**
 * Adds received units to a product's stock. Asks catalog whether the product exists and is active, so stock is
 * never received for an unknown or archived product; if `catalog.product-created` has not arrived yet, the stock
 * item is created here (the event's handler then finds it and does nothing). A stock adjustment is auditable: its
 * entry (who, how many, the new count) commits with it.
 */
export async function receiveStock(deps: InventoryDeps, productId: string, quantity: number): Promise<StockItem> {
  const { body: product } = await deps.catalog.getProduct({ params: { id: productId } });
  if (product.status !== 'active') throw new ProductNotStockable(productId);
  return deps.transaction(async (tx) => {
    await ensureStockItem(tx, productId, product.sku);
    const current = await findStockItem(tx, productId);
    if (current && !current.active) throw new ProductNotStockable(productId);
    const item = await addReceipt(tx, randomUUID(), productId, quantity);
    if (!item) {
      const now = await findStockItem(tx, productId);
      throw now ? new StockLimitExceeded(productId, now.onHand, quantity, maxOnHand) : new StockItemNotFound(productId);
    }
    await deps.audit.record(tx, { action: 'inventory.stock-received', target: productId, outcome: 'success', detail: { quantity, onHand: item.onHand } });
    return item;
  });
}
