import type { InventoryDeps } from '../application/inventory-deps.ts';
import { receiveStock } from '../application/receive-stock.ts';
import { countReceipts } from './stock-repository.ts';

/** Receives 25 units of each active catalog product on a first start; does nothing once any stock was received. */
export async function seedInventory(deps: InventoryDeps): Promise<void> {
  if ((await countReceipts(deps.db)) > 0) return;
  const { body } = await deps.catalog.listProducts({ query: { status: 'active', limit: 100 } });
  for (const product of body.items) await receiveStock(deps, product.id, 25);
}
