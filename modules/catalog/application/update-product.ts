import { isUniqueViolation } from '../../../platform/db/index.ts';
import { productUpdated } from '../contract/events.ts';
import type { UpdateProductInput } from '../contract/products.schemas.ts';
import { ProductArchived, ProductNotFound, SkuTaken, VersionMismatch } from '../domain/errors.ts';
import { checkPrice, type Product } from '../domain/product.ts';
import { findProduct, findProductBySku, updateProductAt } from '../infrastructure/product-repository.ts';
import type { CatalogDeps } from './catalog-deps.ts';

/**
 * Changes a product if it is still at a version the caller read (optimistic concurrency: `If-Match` may list several;
 * an empty list matches none); `'any'` skips the check (`If-Match: *`). Announces the new state with `catalog.product-updated`, in the same transaction.
 */
export async function updateProduct(deps: CatalogDeps, id: string, expected: 'any' | readonly number[], changes: UpdateProductInput): Promise<Product> {
  if (changes.price) checkPrice(changes.price);
  const run = () =>
    deps.transaction(async (tx) => {
      const current = await findProduct(tx, id);
      if (!current) throw new ProductNotFound(id);
      if (expected !== 'any' && !expected.includes(current.version)) throw new VersionMismatch(id, expected, current.version);
      const version = current.version;
      if (current.status === 'archived') throw new ProductArchived(id);
      if (changes.sku && changes.sku !== current.sku && (await findProductBySku(tx, changes.sku))) throw new SkuTaken(changes.sku);
      const updated = await updateProductAt(tx, id, version, changes);
      // Lost a race with another writer between the read and the write.
      if (!updated) throw new VersionMismatch(id, [version], version + 1);
      const { sku, name, description, price } = updated;
      await deps.outbox.publish(tx, productUpdated, { productId: id, version: updated.version, sku, name, description, price });
      return updated;
    });
  try {
    return await run();
  } catch (error) {
    // Another product took the SKU between our check and our write.
    if (changes.sku && isUniqueViolation(error)) throw new SkuTaken(changes.sku);
    throw error;
  }
}
