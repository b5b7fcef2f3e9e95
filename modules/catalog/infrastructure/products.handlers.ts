import { createRouter, type App } from '../../../platform/http/index.ts';
import type { ModuleContext } from '../../../platform/host/index.ts';
import { archiveProduct } from '../application/archive-product.ts';
import { createProduct } from '../application/create-product.ts';
import { getProduct } from '../application/get-product.ts';
import { listProducts } from '../application/list-products.ts';
import { updateProduct } from '../application/update-product.ts';
import * as routes from '../contract/products.routes.ts';
import type { ProductDto } from '../contract/products.schemas.ts';
import { notModified, productEtag, versionsFromIfMatch, type Product } from '../domain/product.ts';

export function toDto(p: Product): ProductDto {
  return {
    id: p.id,
    sku: p.sku,
    name: p.name,
    description: p.description,
    price: p.price,
    status: p.status,
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/** Catalog's HTTP surface: each handler reads its validated input, calls one use case and maps the result. */
export function productRoutes(ctx: ModuleContext): App {
  const app = createRouter();

  app.openapi(routes.createProduct, async (c) => {
    const product = await createProduct(ctx, c.req.valid('json'));
    c.header('location', `/catalog/v1/products/${product.id}`);
    c.header('etag', productEtag(product.version));
    return c.json(toDto(product), 201);
  });

  app.openapi(routes.listProducts, async (c) => {
    const page = await listProducts(ctx, c.req.valid('query'));
    return c.json({ items: page.items.map(toDto), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(routes.getProduct, async (c) => {
    const product = await getProduct(ctx, c.req.valid('param').id);
    c.header('etag', productEtag(product.version));
    const held = c.req.header('if-none-match');
    if (held !== undefined && notModified(held, product.version)) return c.body(null, 304);
    return c.json(toDto(product), 200);
  });

  app.openapi(routes.updateProduct, async (c) => {
    const expected = versionsFromIfMatch(c.req.valid('header')['if-match']);
    const product = await updateProduct(ctx, c.req.valid('param').id, expected, c.req.valid('json'));
    c.header('etag', productEtag(product.version));
    return c.json(toDto(product), 200);
  });

  app.openapi(routes.archiveProduct, async (c) => {
    const held = c.req.valid('header')['if-match'];
    const product = await archiveProduct(ctx, c.req.valid('param').id, held === undefined ? 'any' : versionsFromIfMatch(held));
    c.header('etag', productEtag(product.version));
    return c.json(toDto(product), 200);
  });

  return app;
}
