import type { Tx } from '../../../platform/db/index.ts';
import { deactivateStockItem, ensureStockItem, renameStockItem } from '../infrastructure/stock-repository.ts';

/** On `catalog.product-created`: start keeping stock for the product, at zero. */
export async function startTrackingProduct(tx: Tx, product: { productId: string; sku: string }): Promise<boolean> {
  return ensureStockItem(tx, product.productId, product.sku);
}

/** On `catalog.product-archived`: refuse further receipts and reservations; existing reservations stay. */
export async function stopTrackingProduct(tx: Tx, product: { productId: string }): Promise<void> {
  await deactivateStockItem(tx, product.productId);
}

/** On `catalog.product-updated`: keep the stock item's SKU the product's (events of one product arrive in order). */
export async function followProductChange(tx: Tx, product: { productId: string; sku: string }): Promise<void> {
  await renameStockItem(tx, product.productId, product.sku);
}
