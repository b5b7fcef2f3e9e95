import { and, asc, eq, gt, ilike, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/index.ts';
import type { Product, ProductStatus } from '../domain/product.ts';
import { products } from './schema.ts';

type Row = typeof products.$inferSelect;

function toProduct(row: Row): Product {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    price: { amount: row.priceAmount, currency: row.priceCurrency },
    status: row.status,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export interface ProductFilter {
  status?: ProductStatus | undefined;
  sku?: string | undefined;
  nameContains?: string | undefined;
  afterId?: string | undefined;
  limit: number;
}

export async function findProduct(db: Executor, id: string): Promise<Product | undefined> {
  const [row] = await db.select().from(products).where(eq(products.id, id));
  return row ? toProduct(row) : undefined;
}

export async function findProductBySku(db: Executor, sku: string): Promise<Product | undefined> {
  const [row] = await db.select().from(products).where(eq(products.sku, sku));
  return row ? toProduct(row) : undefined;
}

export async function insertProduct(db: Executor, p: Omit<Product, 'version' | 'createdAt' | 'updatedAt' | 'status'>): Promise<Product | undefined> {
  const [row] = await db
    .insert(products)
    .values({ id: p.id, sku: p.sku, name: p.name, description: p.description, priceAmount: p.price.amount, priceCurrency: p.price.currency })
    .onConflictDoNothing({ target: products.sku })
    .returning();
  return row ? toProduct(row) : undefined;
}

export interface ProductChanges {
  sku?: string | undefined;
  name?: string | undefined;
  description?: string | undefined;
  price?: { amount: number; currency: string } | undefined;
  status?: ProductStatus;
}

/** Applies changes only if the product is still at `version`; returns nothing when it is not. */
export async function updateProductAt(db: Executor, id: string, version: number, changes: ProductChanges): Promise<Product | undefined> {
  const [row] = await db
    .update(products)
    .set({
      ...(changes.sku === undefined ? {} : { sku: changes.sku }),
      ...(changes.name === undefined ? {} : { name: changes.name }),
      ...(changes.description === undefined ? {} : { description: changes.description }),
      ...(changes.price === undefined ? {} : { priceAmount: changes.price.amount, priceCurrency: changes.price.currency }),
      ...(changes.status === undefined ? {} : { status: changes.status }),
      version: version + 1,
      updatedAt: new Date(),
    })
    .where(and(eq(products.id, id), eq(products.version, version)))
    .returning();
  return row ? toProduct(row) : undefined;
}

export async function listProductRows(db: Executor, filter: ProductFilter): Promise<Product[]> {
  const conditions: SQL[] = [];
  if (filter.status) conditions.push(eq(products.status, filter.status));
  if (filter.sku) conditions.push(eq(products.sku, filter.sku));
  if (filter.nameContains) conditions.push(ilike(products.name, `%${escapeLike(filter.nameContains)}%`));
  if (filter.afterId) conditions.push(gt(products.id, filter.afterId));
  const rows = await db
    .select()
    .from(products)
    .where(and(...conditions))
    .orderBy(asc(products.id))
    .limit(filter.limit);
  return rows.map(toProduct);
}

export async function countProducts(db: Executor): Promise<number> {
  const rows = await db.select({ id: products.id }).from(products).limit(1);
  return rows.length;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
