import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/index.ts';
import { erasedCustomers } from './schema.ts';

/**
 * Holds a customer until the transaction ends: `exclusive` while erasing them, `shared` while creating data about them,
 * so a cart is either created before the erasure (and erased with the rest) or refused after it, never in between.
 */
export async function holdCustomer(tx: Executor, customerId: string, mode: 'shared' | 'exclusive'): Promise<void> {
  const key = sql`hashtextextended(${`ordering.customer:${customerId}`}, 0)`;
  await tx.execute(mode === 'shared' ? sql`select pg_advisory_xact_lock_shared(${key})` : sql`select pg_advisory_xact_lock(${key})`);
}

/** Whether the customer was erased (on `identity.user-erased`). */
export async function isErased(tx: Executor, customerId: string): Promise<boolean> {
  const [row] = await tx.select({ customerId: erasedCustomers.customerId }).from(erasedCustomers).where(eq(erasedCustomers.customerId, customerId));
  return row !== undefined;
}
