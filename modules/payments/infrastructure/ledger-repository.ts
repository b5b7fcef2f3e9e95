import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { resultRows, type Executor } from '../../../platform/db/index.ts';
import { balances, type Movement } from '../domain/ledger.ts';
import { journalEntries, postings } from './schema.ts';

/**
 * Books a movement as one journal entry with its postings, once: the entry is unique per intent and movement, so
 * booking it again does nothing (returns false). Refuses an entry that does not balance; the database's deferred
 * trigger checks every entry again at commit.
 */
export async function book(tx: Executor, movement: Movement): Promise<boolean> {
  if (!balances(movement)) throw new Error(`Journal entry ${movement.intentId} ${movement.movement} does not balance.`);
  const id = randomUUID();
  const [entry] = await tx
    .insert(journalEntries)
    .values({ id, intentId: movement.intentId, movement: movement.movement, currency: movement.currency })
    .onConflictDoNothing()
    .returning({ id: journalEntries.id });
  if (!entry) return false;
  await tx.insert(postings).values(movement.postings.map((p) => ({ entryId: id, ...p })));
  return true;
}

export interface AccountBalance {
  account: string;
  currency: string;
  debits: number;
  credits: number;
}

/** Debits and credits per account and currency, summed from the postings (of one intent's entries if given). */
export async function accountBalances(db: Executor, intentId?: string): Promise<AccountBalance[]> {
  const rows = await db
    .select({
      account: postings.account,
      currency: journalEntries.currency,
      debits: sql<string>`coalesce(sum(${postings.debit}), 0)`,
      credits: sql<string>`coalesce(sum(${postings.credit}), 0)`,
    })
    .from(postings)
    .innerJoin(journalEntries, eq(journalEntries.id, postings.entryId))
    .where(intentId === undefined ? undefined : eq(journalEntries.intentId, intentId))
    .groupBy(postings.account, journalEntries.currency)
    .orderBy(postings.account, journalEntries.currency);
  return rows.map((r) => ({ account: r.account, currency: r.currency, debits: Number(r.debits), credits: Number(r.credits) }));
}

/** How many journal entries there are, and how many of them do not balance (debits ≠ credits, or no postings). */
export async function entryCounts(db: Executor, intentId?: string): Promise<{ entries: number; unbalanced: number }> {
  const filter = intentId === undefined ? sql`true` : sql`${journalEntries.intentId} = ${intentId}`;
  const [row] = resultRows<{ entries: string; unbalanced: string }>(
    await db.execute(sql`
    select count(*) as entries,
           count(*) filter (where coalesce(p.debits, 0) <> coalesce(p.credits, 0) or p.debits is null) as unbalanced
    from ${journalEntries}
    left join (select ${postings.entryId} as entry_id, sum(${postings.debit}) as debits, sum(${postings.credit}) as credits
               from ${postings} group by ${postings.entryId}) p on p.entry_id = ${journalEntries.id}
    where ${filter}`),
  );
  return { entries: Number(row?.entries ?? 0), unbalanced: Number(row?.unbalanced ?? 0) };
}
