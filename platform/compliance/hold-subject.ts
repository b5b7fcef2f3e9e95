import { sql } from 'drizzle-orm';
import type { Executor } from '../db/index.ts';

/**
 * Holds a data subject in `scope` (a module) until the transaction ends: `exclusive` while erasing them, `shared` while
 * writing data about them. A write then happens either before the erasure (and is erased with the rest) or after it
 * (and sees what the erasure recorded), never in between, where the erasure could not see a row not yet committed.
 * A PostgreSQL transaction-level advisory lock (PGlite runs one transaction at a time anyway).
 *
 * @example
 * await holdSubject(tx, 'payments', customerId, 'shared');
 */
export async function holdSubject(tx: Executor, scope: string, subject: string, mode: 'shared' | 'exclusive'): Promise<void> {
  const key = sql`hashtextextended(${`${scope}:subject:${subject}`}, 0)`;
  await tx.execute(mode === 'shared' ? sql`select pg_advisory_xact_lock_shared(${key})` : sql`select pg_advisory_xact_lock(${key})`);
}
