import { eraseSubject, type ErasedCounts, type TableData } from '../../../platform/compliance/index.ts';
import type { Tx } from '../../../platform/db/index.ts';
import type { FieldEncryption } from '../../../platform/encryption/index.ts';

/**
 * Erases a customer from notifications (on `identity.user-erased`): the customer's data key is shredded (every sealed
 * subject, body and address stops opening, wherever a copy is) and their messages are deleted.
 */
export async function eraseCustomer(tx: Tx, fields: FieldEncryption, data: Record<string, TableData>, customerId: string): Promise<ErasedCounts> {
  const shredded = await fields.shred(tx, customerId);
  const counts = await eraseSubject(tx, { schema: 'notifications', data, subject: customerId, pseudonym: 'erased' });
  return { ...counts, data_keys: shredded ? 1 : 0 };
}
