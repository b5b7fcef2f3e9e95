import type { ModuleContext } from '../../../platform/host/index.ts';
import { createProduct } from '../application/create-product.ts';
import type { CreateProductInput } from '../contract/products.schemas.ts';
import { countProducts } from './product-repository.ts';

const demo: CreateProductInput[] = [
  { sku: 'MUG-001', name: 'Enamel mug', description: 'Holds 350 ml of coffee.', price: { amount: 1450, currency: 'EUR' } },
  { sku: 'TEE-001', name: 'Cotton T-shirt', description: 'Organic cotton, size M.', price: { amount: 2500, currency: 'EUR' } },
  { sku: 'BAG-001', name: 'Canvas tote', description: 'Carries a week of groceries.', price: { amount: 1800, currency: 'EUR' } },
];

/** A few products for a first `npm start`; does nothing once any product exists. */
export async function seedCatalog(ctx: ModuleContext): Promise<void> {
  if ((await countProducts(ctx.db)) > 0) return;
  for (const p of demo) await createProduct(ctx, p);
  ctx.log.info({ products: demo.length }, 'demo products created');
}
