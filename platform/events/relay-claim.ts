import { sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { resultRows } from '../db/index.ts';
import type { EventEnvelope } from './envelope.ts';
import type { ClaimedRow } from './relay-heads.ts';
import type { EventTables } from './tables.ts';

export interface ClaimPass {
  /** Rows claimed, oldest first. */
  rows: ClaimedRow[];
  /** Pending rows free of a live claim in the statement's snapshot (those claimed now included). */
  claimable: number;
  /** Live claims of other relays. */
  foreign: number;
  /** Every pending row, whoever holds it: 0 when nothing waits in the outbox. */
  pending: number;
}

/**
 * One claim pass of a relay: takes up to `limit` heads of their aggregate keys (the oldest pending row of each key)
 * that no live claim holds, under a lease of `leaseMs`, and counts what it left.
 */
export async function claimHeads(db: Db, outbox: EventTables['outbox'], claim: { relayId: string; leaseMs: number; limit: number }): Promise<ClaimPass> {
  // Heads first, then only the unclaimed ones, then the limit: a claimed head (in flight, or backing off) never
  // takes the place of a free one. SKIP LOCKED lets concurrent relays take different heads instead of queueing on
  // the same rows; a head's row is re-checked after the lock (dispatched_at, claimed_until), so a relay reading an
  // older snapshot never re-claims a row another relay just dispatched. Only heads are considered, so the next
  // event of a key whose head is in flight is never taken. `claimable` counts every pending row free of a live
  // claim in the statement's snapshot (those claimed now included): what exceeds the rows claimed is waiting
  // behind a head in flight, or beyond the limit. `foreign` counts live claims of other relays, `pending` every row.
  const result = await db.execute(sql`
    with heads as (
      select distinct on (aggregate_key) seq
      from ${outbox} where dispatched_at is null
      order by aggregate_key, seq
    ), free as (
      select o.seq from ${outbox} o join heads h on h.seq = o.seq
      where o.dispatched_at is null and (o.claimed_until is null or o.claimed_until < now())
      order by o.seq
      limit ${claim.limit}
      for update of o skip locked
    ), claimed as (
      update ${outbox} o
      set claimed_until = now() + (${claim.leaseMs} * interval '1 millisecond'), claimed_by = ${claim.relayId}, attempts = o.attempts + 1
      from free f
      where o.seq = f.seq
      returning o.seq, o.envelope, o.attempts
    ), pending as (
      select
        count(*) filter (where claimed_until is null or claimed_until < now())::int as claimable,
        count(*) filter (where claimed_until >= now() and claimed_by is distinct from ${claim.relayId})::int as foreign,
        count(*)::int as pending
      from ${outbox} where dispatched_at is null
    )
    select c.seq, c.envelope, c.attempts, p.claimable, p.foreign, p.pending from pending p left join claimed c on true`);
  const rows = resultRows<{ seq: number | string | null; envelope: EventEnvelope; attempts: number; claimable: number; foreign: number; pending: number }>(
    result,
  );
  const claimed = rows
    .filter((r) => r.seq !== null)
    .sort((a, b) => Number(a.seq) - Number(b.seq))
    .map((r) => ({ id: r.envelope.id, envelope: r.envelope, attempts: r.attempts }));
  return { rows: claimed, claimable: Number(rows[0]?.claimable ?? 0), foreign: Number(rows[0]?.foreign ?? 0), pending: Number(rows[0]?.pending ?? 0) };
}
