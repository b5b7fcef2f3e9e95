import { productArchived } from '../contract/events.ts';
import { ProductNotFound, VersionMismatch } from '../domain/errors.ts';
import type { Product } from '../domain/product.ts';
import { findProduct, updateProductAt } from '../infrastructure/product-repository.ts';
import type { CatalogDeps } from './catalog-deps.ts';

/**
 * Archives a product if it is still at a version the caller read (`'any'`: at whatever version), and announces it.
 * Archiving an archived product changes nothing and announces nothing, whatever version was expected: the change
 * asked for is already made (RFC 9110 §13.1.1 lets a conditional request that already succeeded answer success).
 */
export async function archiveProduct(deps: CatalogDeps, id: string, expected: 'any' | readonly number[]): Promise<Product> {
  return deps.transaction(async (tx) => {
    const current = await findProduct(tx, id);
    if (!current) throw new ProductNotFound(id);
    if (current.status === 'archived') return current;
    if (expected !== 'any' && !expected.includes(current.version)) throw new VersionMismatch(id, expected, current.version);
    const archived = await updateProductAt(tx, id, current.version, { status: 'archived' });
    if (!archived) throw new VersionMismatch(id, [current.version], current.version + 1);
    await deps.outbox.publish(tx, productArchived, { productId: id, sku: archived.sku });
    return archived;
  });
}
