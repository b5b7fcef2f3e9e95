import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/index.ts';
import type { Reservation, StockItem } from '../domain/stock.ts';
import { receipts, reservations, stockItems } from './schema.ts';

export async function findStockItem(db: Executor, productId: string): Promise<StockItem | undefined> {
  const [row] = await db.select().from(stockItems).where(eq(stockItems.productId, productId));
  return row;
}

/** Creates the stock item if it is missing; returns whether it did. */
export async function ensureStockItem(db: Executor, productId: string, sku: string): Promise<boolean> {
  const rows = await db.insert(stockItems).values({ productId, sku }).onConflictDoNothing().returning({ productId: stockItems.productId });
  return rows.length > 0;
}

export async function renameStockItem(db: Executor, productId: string, sku: string): Promise<void> {
  await db
    .update(stockItems)
    .set({ sku, updatedAt: new Date() })
    .where(and(eq(stockItems.productId, productId), sql`${stockItems.sku} <> ${sku}`));
}

export async function deactivateStockItem(db: Executor, productId: string): Promise<void> {
  await db.update(stockItems).set({ active: false, updatedAt: new Date() }).where(eq(stockItems.productId, productId));
}

export async function addReceipt(db: Executor, id: string, productId: string, quantity: number): Promise<StockItem | undefined> {
  await db.insert(receipts).values({ id, productId, quantity });
  const [row] = await db
    .update(stockItems)
    .set({ onHand: sql`${stockItems.onHand} + ${quantity}`, updatedAt: new Date() })
    .where(eq(stockItems.productId, productId))
    .returning();
  return row;
}

/**
 * Takes `quantity` out of the available stock if, and only if, enough is available. The condition sits in the
 * UPDATE itself: under concurrency PostgreSQL re-checks it against the latest row after waiting for the lock, so
 * concurrent reservations can never oversell.
 */
export async function reserveIfAvailable(db: Executor, productId: string, quantity: number): Promise<StockItem | undefined> {
  const [row] = await db
    .update(stockItems)
    .set({ reserved: sql`${stockItems.reserved} + ${quantity}`, updatedAt: new Date() })
    .where(and(eq(stockItems.productId, productId), eq(stockItems.active, true), sql`${stockItems.onHand} - ${stockItems.reserved} >= ${quantity}`))
    .returning();
  return row;
}

export async function unreserve(db: Executor, productId: string, quantity: number): Promise<void> {
  await db
    .update(stockItems)
    .set({ reserved: sql`${stockItems.reserved} - ${quantity}`, updatedAt: new Date() })
    .where(eq(stockItems.productId, productId));
}

/** Inserts the reservation unless one with this id exists; returns the stored one and whether it is new. */
export async function insertReservation(
  db: Executor,
  r: { id: string; productId: string; quantity: number },
): Promise<{ reservation: Reservation; created: boolean }> {
  const [row] = await db.insert(reservations).values(r).onConflictDoNothing().returning();
  if (row) return { reservation: row, created: true };
  const existing = await findReservation(db, r.id);
  if (!existing) throw new Error(`Reservation ${r.id} vanished during insert.`);
  return { reservation: existing, created: false };
}

export async function findReservation(db: Executor, id: string): Promise<Reservation | undefined> {
  const [row] = await db.select().from(reservations).where(eq(reservations.id, id));
  return row;
}

/** Marks an active reservation released; returns it only if this call released it. */
export async function markReleased(db: Executor, id: string): Promise<Reservation | undefined> {
  const [row] = await db
    .update(reservations)
    .set({ status: 'released', releasedAt: new Date() })
    .where(and(eq(reservations.id, id), eq(reservations.status, 'active')))
    .returning();
  return row;
}

export async function countReceipts(db: Executor): Promise<number> {
  const rows = await db.select({ id: receipts.id }).from(receipts).limit(1);
  return rows.length;
}
