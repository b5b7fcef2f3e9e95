import { and, asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/index.ts';
import type { Cart } from '../domain/cart.ts';
import type { Line } from '../domain/money.ts';
import { cartLines, carts } from './schema.ts';

type CartRow = typeof carts.$inferSelect;
type LineRow = typeof cartLines.$inferSelect;

const toLine = (r: LineRow): Line => ({
  productId: r.productId,
  sku: r.sku,
  name: r.name,
  quantity: r.quantity,
  unitPrice: { amount: r.unitPriceAmount, currency: r.currency },
});

async function withLines(db: Executor, row: CartRow): Promise<Cart> {
  const lines = await db.select().from(cartLines).where(eq(cartLines.cartId, row.id)).orderBy(asc(cartLines.addedAt), asc(cartLines.productId));
  return { ...row, lines: lines.map(toLine) };
}

export async function insertCart(db: Executor, cart: { id: string; customerId: string }): Promise<Cart> {
  const [row] = await db.insert(carts).values(cart).returning();
  if (!row) throw new Error(`Cart ${cart.id} was not inserted.`);
  return { ...row, lines: [] };
}

/** The customer's cart with its lines; another customer's is not found. `lock` holds it until the transaction ends. */
export async function findCart(db: Executor, id: string, customerId: string, options: { lock?: boolean } = {}): Promise<Cart | undefined> {
  const query = db
    .select()
    .from(carts)
    .where(and(eq(carts.id, id), eq(carts.customerId, customerId)));
  const [row] = options.lock ? await query.for('update') : await query;
  return row ? withLines(db, row) : undefined;
}

export async function upsertLine(db: Executor, cartId: string, line: Line): Promise<void> {
  const values = {
    cartId,
    productId: line.productId,
    sku: line.sku,
    name: line.name,
    quantity: line.quantity,
    unitPriceAmount: line.unitPrice.amount,
    currency: line.unitPrice.currency,
  };
  await db
    .insert(cartLines)
    .values(values)
    .onConflictDoUpdate({
      target: [cartLines.cartId, cartLines.productId],
      set: { sku: values.sku, name: values.name, quantity: values.quantity, unitPriceAmount: values.unitPriceAmount, currency: values.currency },
    });
}

export async function deleteLine(db: Executor, cartId: string, productId: string): Promise<void> {
  await db.delete(cartLines).where(and(eq(cartLines.cartId, cartId), eq(cartLines.productId, productId)));
}

/** Records the cart's currency (null once it has no line left) and when it changed. */
export async function touchCart(db: Executor, cartId: string, currency: string | null): Promise<void> {
  await db
    .update(carts)
    .set({ currency, updatedAt: sql`now()` })
    .where(eq(carts.id, cartId));
}

export async function markCheckedOut(db: Executor, cartId: string, orderId: string): Promise<void> {
  await db
    .update(carts)
    .set({ status: 'checked-out', orderId, updatedAt: sql`now()` })
    .where(eq(carts.id, cartId));
}
