import { sql } from 'drizzle-orm';
import { resultRows, type Executor } from '../db/index.ts';
import type { TableData } from './classification.ts';

export interface EraseSubjectOptions {
  /** The module's schema. */
  schema: string;
  /** The module's `data` declarations (with its projections'): every table naming a `subject` column is visited. */
  data: Record<string, TableData>;
  /** The data subject: the erased user's id. */
  subject: string;
  /**
   * Tables whose rows must stay (records kept by law, such as orders and payments): their subject column is replaced
   * by `pseudonym` instead of the rows being deleted.
   */
  keep?: readonly string[];
  /** What a kept row's subject becomes: names nobody (`erased:<erasure id>`). */
  pseudonym: string;
}

/** Rows erased per table: deleted or anonymised, and `dead_letters` for dead-lettered events about the subject. */
export type ErasedCounts = Record<string, number>;

const ident = (name: string) => sql.identifier(name);

/**
 * Erases a data subject from a module's schema by its declarations, in `tx` (the transaction recording the erasure
 * event in the inbox, so it happens once): rows of each table with a `subject` column are deleted, or anonymised when
 * the table is in `keep`; dead letters whose event is about the subject (its key, `customerId` or `userId`) are
 * deleted. Sealed columns need no rewrite when the module shreds the subject's key too.
 *
 * @example
 * await eraseSubject(tx, { schema: 'payments', data, subject: userId, keep: ['payment_intents'], pseudonym: `erased:${erasureId}` });
 */
export async function eraseSubject(tx: Executor, options: EraseSubjectOptions): Promise<ErasedCounts> {
  const counts: ErasedCounts = {};
  const keep = new Set(options.keep ?? []);
  for (const [table, entry] of Object.entries(options.data)) {
    if (!entry.subject) continue;
    const target = sql`${ident(options.schema)}.${ident(table)}`;
    const column = ident(entry.subject);
    const rows = keep.has(table)
      ? await tx.execute(sql`update ${target} set ${column} = ${options.pseudonym} where ${column}::text = ${options.subject} returning 1`)
      : await tx.execute(sql`delete from ${target} where ${column}::text = ${options.subject} returning 1`);
    counts[table] = resultRows(rows).length;
  }
  const letters = await tx.execute(
    sql`delete from ${ident(options.schema)}."dead_letters" where "envelope"->>'key' = ${options.subject}
      or "envelope"->'payload'->>'customerId' = ${options.subject} or "envelope"->'payload'->>'userId' = ${options.subject} returning 1`,
  );
  counts.dead_letters = resultRows(letters).length;
  return counts;
}
