import { Buffer } from 'node:buffer';
import type { ListProductsQuery } from '../contract/products.schemas.ts';
import type { Product } from '../domain/product.ts';
import { listProductRows } from '../infrastructure/product-repository.ts';
import type { CatalogDeps } from './catalog-deps.ts';

export interface ProductPage {
  items: Product[];
  nextCursor: string | null;
}

/**
 * One page of products in id order (ids are UUIDv7, so creation order). The cursor is the last id seen; a page is
 * stable under concurrent inserts, unlike an offset.
 */
export async function listProducts(deps: CatalogDeps, query: ListProductsQuery): Promise<ProductPage> {
  const afterId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const rows = await listProductRows(deps.db, { status: query.status, sku: query.sku, nameContains: query.q, afterId, limit: query.limit + 1 });
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null };
}

function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

// The id as encodeCursor writes it: a UUID in lower case. Thirty-six hex digits and dashes in any order would reach
// PostgreSQL's uuid cast and fail there (500) instead of answering 422.
const cursorId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!cursorId.test(id)) throw new InvalidCursor();
  return id;
}

class InvalidCursor extends Error {
  readonly kind = 'invalid';
  readonly code = 'catalog/invalid-cursor';
  constructor() {
    super('The cursor is not one this API returned.');
  }
}
