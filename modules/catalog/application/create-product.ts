import { uuidv7 } from '../../../platform/db/index.ts';
import type { CreateProductInput } from '../contract/products.schemas.ts';
import { productCreated } from '../contract/events.ts';
import { SkuTaken } from '../domain/errors.ts';
import { checkPrice, type Product } from '../domain/product.ts';
import { insertProduct } from '../infrastructure/product-repository.ts';
import type { CatalogDeps } from './catalog-deps.ts';

/** Creates a product and announces it with `catalog.product-created`, in one transaction. */
export async function createProduct(deps: CatalogDeps, input: CreateProductInput): Promise<Product> {
  const price = checkPrice(input.price);
  return deps.transaction(async (tx) => {
    const product = await insertProduct(tx, { id: uuidv7(), sku: input.sku, name: input.name, description: input.description, price });
    if (!product) throw new SkuTaken(input.sku);
    await deps.outbox.publish(tx, productCreated, {
      productId: product.id,
      sku: product.sku,
      name: product.name,
      description: product.description,
      listPrice: product.price,
    });
    return product;
  });
}
