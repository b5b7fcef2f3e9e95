import { sql } from 'drizzle-orm';
import { eraseSubject, type ErasedCounts, type TableData } from '../../../platform/compliance/index.ts';
import { resultRows, type Tx } from '../../../platform/db/index.ts';

/**
 * Erases a customer from payments (on `identity.user-erased`): intents are accounting records, so each stays with its
 * amounts and the ledger still balances, under a pseudonym instead of the customer's id.
 */
export async function eraseCustomer(tx: Tx, data: Record<string, TableData>, customerId: string, erasureId: string): Promise<ErasedCounts> {
  const counts = await eraseSubject(tx, { schema: 'payments', data, subject: customerId, keep: ['payment_intents'], pseudonym: `erased:${erasureId}` });
  // A keyed request's stored answer names the customer; it is only there to replay a retry (IDEMPOTENCY_KEY_TTL).
  const answers = await tx.execute(sql`delete from payments.idempotency_keys where "response_body"::text like ${`%${customerId}%`} returning 1`);
  return { ...counts, idempotency_keys: resultRows(answers).length };
}
