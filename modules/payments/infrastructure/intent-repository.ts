import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/index.ts';
import type { IntentStatus, PaymentIntent, PaymentRequest } from '../domain/intent.ts';
import { erasedCustomers, paymentIntents } from './schema.ts';

/** A stored intent row: an intent, or the tombstone a void of an unknown id left. */
export type StoredIntent = PaymentIntent | { tombstone: true; id: string };

type IntentRow = typeof paymentIntents.$inferSelect;

function stored(row: IntentRow): StoredIntent {
  const { reference, customerId, amount, currency } = row;
  if (reference === null || customerId === null || amount === null || currency === null) return { tombstone: true, id: row.id };
  return {
    id: row.id,
    reference,
    customerId,
    amount,
    currency,
    status: row.status,
    capturedAmount: row.capturedAmount,
    refundedAmount: row.refundedAmount,
    declineReason: row.declineReason,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/**
 * Records the intent as `pending` unless a row with its id exists (a tombstone too); returns the stored one. One
 * statement, committed on its own: the record exists before the provider is asked.
 */
export async function insertPendingIntent(db: Executor, id: string, request: PaymentRequest): Promise<StoredIntent> {
  const [row] = await db
    .insert(paymentIntents)
    .values({ id, ...request, status: 'pending' })
    .onConflictDoNothing()
    .returning();
  if (row) return stored(row);
  const existing = await findIntent(db, id);
  if (!existing) throw new Error(`Payment intent ${id} vanished during insert.`);
  return existing;
}

/** The pseudonym an erased customer's intents carry (see `erased_customers`); undefined for a customer not erased. */
export async function pseudonymOf(db: Executor, customerId: string): Promise<string | undefined> {
  const [row] = await db.select({ pseudonym: erasedCustomers.pseudonym }).from(erasedCustomers).where(eq(erasedCustomers.customerId, customerId));
  return row?.pseudonym;
}

export async function findIntent(db: Executor, id: string): Promise<StoredIntent | undefined> {
  const [row] = await db.select().from(paymentIntents).where(eq(paymentIntents.id, id));
  return row && stored(row);
}

/** Leaves a voided tombstone under an id no intent has; returns whether it did (the primary key decides races). */
export async function insertTombstone(db: Executor, id: string): Promise<boolean> {
  const rows = await db.insert(paymentIntents).values({ id, status: 'voided' }).onConflictDoNothing().returning({ id: paymentIntents.id });
  return rows.length > 0;
}

/** Changes the intent only while its status is one of `from` (compare-and-set); returns it only if this call did. */
export async function transitionIntent(
  db: Executor,
  id: string,
  from: IntentStatus[],
  change: Partial<Pick<IntentRow, 'status' | 'declineReason' | 'capturedAmount'>>,
): Promise<PaymentIntent | undefined> {
  const [row] = await db
    .update(paymentIntents)
    .set({ ...change, updatedAt: new Date() })
    .where(and(eq(paymentIntents.id, id), inArray(paymentIntents.status, from)))
    .returning();
  const result = row && stored(row);
  return result && !('tombstone' in result) ? result : undefined;
}

/**
 * Holds `amount` of what is captured for a new refund and numbers it, if that much is still refundable; one
 * statement, so concurrent refunds cannot together exceed the capture.
 */
export async function reserveRefund(db: Executor, id: string, amount: number): Promise<number | undefined> {
  const [row] = await db
    .update(paymentIntents)
    .set({ refundReserved: sql`${paymentIntents.refundReserved} + ${amount}`, refundCount: sql`${paymentIntents.refundCount} + 1`, updatedAt: new Date() })
    .where(
      and(
        eq(paymentIntents.id, id),
        eq(paymentIntents.status, 'captured'),
        sql`${paymentIntents.capturedAmount} - ${paymentIntents.refundReserved} >= ${amount}`,
      ),
    )
    .returning({ seq: paymentIntents.refundCount });
  return row?.seq;
}

/** Adds a refund that went through; the intent is `refunded` once all of the capture is. */
export async function addRefunded(db: Executor, id: string, amount: number): Promise<PaymentIntent> {
  const refunded = sql`${paymentIntents.refundedAmount} + ${amount}`;
  const [row] = await db
    .update(paymentIntents)
    .set({
      refundedAmount: refunded,
      status: sql`case when ${refunded} = ${paymentIntents.capturedAmount} then 'refunded' else ${paymentIntents.status} end`,
      updatedAt: new Date(),
    })
    .where(eq(paymentIntents.id, id))
    .returning();
  const result = row && stored(row);
  if (!result || 'tombstone' in result) throw new Error(`Payment intent ${id} vanished during a refund.`);
  return result;
}

/** Gives back what a refund the provider declined held. */
export async function releaseRefund(db: Executor, id: string, amount: number): Promise<void> {
  await db
    .update(paymentIntents)
    .set({ refundReserved: sql`${paymentIntents.refundReserved} - ${amount}`, updatedAt: new Date() })
    .where(eq(paymentIntents.id, id));
}
