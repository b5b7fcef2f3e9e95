import { and, asc, eq } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/index.ts';
import { refunds } from './schema.ts';

export type Refund = typeof refunds.$inferSelect;

/** Records a refund as `pending` before the provider is asked; a refund with its provider key already there wins. */
export async function insertRefund(db: Executor, refund: { intentId: string; seq: number; providerKey: string; amount: number }): Promise<Refund> {
  const [row] = await db
    .insert(refunds)
    .values({ ...refund, status: 'pending' })
    .onConflictDoNothing()
    .returning();
  if (row) return row;
  const existing = await findRefundByKey(db, refund.providerKey);
  if (!existing) throw new Error(`Refund ${refund.providerKey} vanished during insert.`);
  return existing;
}

export async function findRefundByKey(db: Executor, providerKey: string): Promise<Refund | undefined> {
  const [row] = await db.select().from(refunds).where(eq(refunds.providerKey, providerKey));
  return row;
}

/** The intent's refunds whose outcome is not known yet, oldest first. */
export async function findPendingRefunds(db: Executor, intentId: string): Promise<Refund[]> {
  return db
    .select()
    .from(refunds)
    .where(and(eq(refunds.intentId, intentId), eq(refunds.status, 'pending')))
    .orderBy(asc(refunds.seq));
}

/** Settles a pending refund; returns it only if this call did (compare-and-set). */
export async function settleRefund(db: Executor, providerKey: string, status: 'succeeded' | 'declined'): Promise<Refund | undefined> {
  const [row] = await db
    .update(refunds)
    .set({ status })
    .where(and(eq(refunds.providerKey, providerKey), eq(refunds.status, 'pending')))
    .returning();
  return row;
}
