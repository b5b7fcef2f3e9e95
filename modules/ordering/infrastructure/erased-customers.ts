import { eq } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/index.ts';
import { erasedCustomers } from './schema.ts';

/** Whether the customer was erased (on `identity.user-erased`). */
export async function isErased(tx: Executor, customerId: string): Promise<boolean> {
  const [row] = await tx.select({ customerId: erasedCustomers.customerId }).from(erasedCustomers).where(eq(erasedCustomers.customerId, customerId));
  return row !== undefined;
}
