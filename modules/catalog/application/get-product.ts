import { ProductNotFound } from '../domain/errors.ts';
import type { Product } from '../domain/product.ts';
import { findProduct } from '../infrastructure/product-repository.ts';
import type { CatalogDeps } from './catalog-deps.ts';

export async function getProduct(deps: CatalogDeps, id: string): Promise<Product> {
  const product = await findProduct(deps.db, id);
  if (!product) throw new ProductNotFound(id);
  return product;
}
