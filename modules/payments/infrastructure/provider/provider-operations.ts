import { and, eq } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db/index.ts';
import { providerOperations } from '../schema.ts';

/** The simulated provider's records (its own database in real life). Only the simulator uses this file. */
export type ProviderOperation = typeof providerOperations.$inferSelect;
export type NewProviderOperation = typeof providerOperations.$inferInsert;

export async function findOperation(db: Executor, key: string): Promise<ProviderOperation | undefined> {
  const [row] = await db.select().from(providerOperations).where(eq(providerOperations.key, key));
  return row;
}

/** Stores the operation under its key unless one is there; returns the stored one (the first, under concurrency). */
export async function recordOperation(db: Executor, operation: NewProviderOperation): Promise<ProviderOperation> {
  const [row] = await db.insert(providerOperations).values(operation).onConflictDoNothing().returning();
  if (row) return row;
  const stored = await findOperation(db, operation.key);
  if (!stored) throw new Error(`Provider operation ${operation.key} vanished during insert.`);
  return stored;
}

/** Moves an authorization from `authorized` to `to`; returns it only if this call moved it. */
export async function settleAuthorization(db: Executor, key: string, to: 'captured' | 'voided'): Promise<ProviderOperation | undefined> {
  const [row] = await db
    .update(providerOperations)
    .set({ outcome: to, updatedAt: new Date() })
    .where(and(eq(providerOperations.key, key), eq(providerOperations.outcome, 'authorized')))
    .returning();
  return row;
}

export async function countOperations(db: Executor, intentId: string, kind: ProviderOperation['kind']): Promise<number> {
  const rows = await db
    .select({ key: providerOperations.key })
    .from(providerOperations)
    .where(and(eq(providerOperations.intentId, intentId), eq(providerOperations.kind, kind)));
  return rows.length;
}
