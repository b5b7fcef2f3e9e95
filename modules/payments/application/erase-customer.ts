import { sql } from 'drizzle-orm';
import { eraseSubject, holdSubject, type ErasedCounts, type TableData } from '../../../platform/compliance/index.ts';
import { resultRows, type Tx } from '../../../platform/db/index.ts';
import { erasedCustomers } from '../infrastructure/schema.ts';

/**
 * Erases a customer from payments (on `identity.user-erased`): intents are accounting records, so each stays with its
 * amounts and the ledger still balances, under a pseudonym instead of the customer's id. The pseudonym is remembered
 * (`erased_customers`), so an authorization still on its way (a checkout under way) is recorded under it too.
 */
export async function eraseCustomer(tx: Tx, data: Record<string, TableData>, customerId: string, erasureId: string): Promise<ErasedCounts> {
  const pseudonym = `erased:${erasureId}`;
  // No authorization is recording an intent for them meanwhile (one not yet committed would keep the id).
  await holdSubject(tx, 'payments', customerId, 'exclusive');
  await tx.insert(erasedCustomers).values({ customerId, pseudonym }).onConflictDoNothing();
  const counts = await eraseSubject(tx, { schema: 'payments', data, subject: customerId, keep: ['payment_intents'], pseudonym });
  // A keyed request's stored answer names the customer; it is only there to replay a retry (IDEMPOTENCY_KEY_TTL).
  const answers = await tx.execute(sql`delete from payments.idempotency_keys where "response_body"::text like ${`%${customerId}%`} returning 1`);
  return { ...counts, idempotency_keys: resultRows(answers).length };
}
