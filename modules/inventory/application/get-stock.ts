import { StockItemNotFound } from '../domain/errors.ts';
import type { StockItem } from '../domain/stock.ts';
import { findStockItem } from '../infrastructure/stock-repository.ts';
import type { InventoryDeps } from './inventory-deps.ts';

export async function getStock(deps: Pick<InventoryDeps, 'db'>, productId: string): Promise<StockItem> {
  const item = await findStockItem(deps.db, productId);
  if (!item) throw new StockItemNotFound(productId);
  return item;
}
