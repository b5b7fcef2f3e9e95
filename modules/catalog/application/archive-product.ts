import { productArchived } from '../contract/events.ts';
import { ProductNotFound, VersionMismatch } from '../domain/errors.ts';
import type { Product } from '../domain/product.ts';
import { findProduct, updateProductAt } from '../infrastructure/product-repository.ts';
import type { CatalogDeps } from './catalog-deps.ts';

/** Archives a product and announces it; archiving an archived product changes nothing and announces nothing. */
export async function archiveProduct(deps: CatalogDeps, id: string): Promise<Product> {
  return deps.transaction(async (tx) => {
    const current = await findProduct(tx, id);
    if (!current) throw new ProductNotFound(id);
    if (current.status === 'archived') return current;
    const archived = await updateProductAt(tx, id, current.version, { status: 'archived' });
    if (!archived) throw new VersionMismatch(id, [current.version], current.version + 1);
    await deps.outbox.publish(tx, productArchived, { productId: id, sku: archived.sku });
    return archived;
  });
}
