import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/index.ts';
import { maxOnHand, type Reservation, type StockItem } from '../domain/stock.ts';
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

/**
 * Records a receipt and adds it to the stock on hand, unless that would pass `maxOnHand` (undefined then, as for an
 * unknown product: the caller's transaction rolls the receipt back). The bound sits in the UPDATE, so concurrent
 * receipts cannot pass it together either.
 */
export async function addReceipt(db: Executor, id: string, productId: string, quantity: number): Promise<StockItem | undefined> {
  await db.insert(receipts).values({ id, productId, quantity });
  const [row] = await db
    .update(stockItems)
    .set({ onHand: sql`${stockItems.onHand} + ${quantity}`, updatedAt: new Date() })
    .where(and(eq(stockItems.productId, productId), sql`${stockItems.onHand} <= ${maxOnHand - quantity}`))
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

/** What a stored reservation row is: a reservation, or the tombstone a release of an unknown id left. */
export type StoredReservation = Reservation | { tombstone: true; id: string };

type ReservationRow = typeof reservations.$inferSelect;

function stored(row: ReservationRow): StoredReservation {
  const { productId, quantity } = row;
  return productId === null || quantity === null ? { tombstone: true, id: row.id } : { ...row, productId, quantity };
}

/** Inserts the reservation unless a row with this id exists (a tombstone too); returns the stored one and whether it is new. */
export async function insertReservation(
  db: Executor,
  r: { id: string; productId: string; quantity: number },
): Promise<{ reservation: StoredReservation; created: boolean }> {
  const [row] = await db.insert(reservations).values(r).onConflictDoNothing().returning();
  if (row) return { reservation: stored(row), created: true };
  const existing = await findReservation(db, r.id);
  if (!existing) throw new Error(`Reservation ${r.id} vanished during insert.`);
  return { reservation: existing, created: false };
}

export async function findReservation(db: Executor, id: string): Promise<StoredReservation | undefined> {
  const [row] = await db.select().from(reservations).where(eq(reservations.id, id));
  return row && stored(row);
}

/**
 * Leaves a released tombstone under an id no reservation has; returns whether it did. Relies on the primary key: a
 * concurrent reservation with the id either committed first (this inserts nothing) or conflicts with this row.
 */
export async function insertTombstone(db: Executor, id: string): Promise<boolean> {
  const rows = await db
    .insert(reservations)
    .values({ id, status: 'released', releasedAt: new Date() })
    .onConflictDoNothing()
    .returning({ id: reservations.id });
  return rows.length > 0;
}

/** Moves an active reservation to `to`; returns it only if this call moved it. */
export async function settleReservation(db: Executor, id: string, to: 'released' | 'committed'): Promise<Reservation | undefined> {
  const now = new Date();
  const [row] = await db
    .update(reservations)
    .set(to === 'released' ? { status: 'released', releasedAt: now } : { status: 'committed', committedAt: now })
    .where(and(eq(reservations.id, id), eq(reservations.status, 'active')))
    .returning();
  const result = row && stored(row);
  return result && !('tombstone' in result) ? result : undefined;
}

/** The committed quantity leaves the books: it is no longer on hand, nor reserved. */
export async function shipReserved(db: Executor, productId: string, quantity: number): Promise<void> {
  await db
    .update(stockItems)
    .set({ onHand: sql`${stockItems.onHand} - ${quantity}`, reserved: sql`${stockItems.reserved} - ${quantity}`, updatedAt: new Date() })
    .where(eq(stockItems.productId, productId));
}

export async function countReceipts(db: Executor): Promise<number> {
  const rows = await db.select({ id: receipts.id }).from(receipts).limit(1);
  return rows.length;
}
