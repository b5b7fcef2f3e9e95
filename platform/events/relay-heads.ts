import { sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { resultRows } from '../db/index.ts';
import type { Logger } from '../observability/index.ts';
import type { EventEnvelope } from './envelope.ts';
import type { EventTables } from './tables.ts';

/**
 * A row the relay holds: claimed by a pass, or claimed as written by a tracked transaction. Known by its event id
 * (unique in the outbox), so that a write need not read its `seq` back.
 */
export interface ClaimedRow {
  id: string;
  envelope: EventEnvelope;
  attempts: number;
}

export interface HeadsOptions {
  db: Db;
  tables: EventTables;
  log: Logger;
  /** The relay's `exclusive` option: its only relay, one transaction at a time (PGlite opened by this process). */
  exclusive: boolean;
  leaseMs: number;
}

/**
 * Which rows handed to the relay at commit head their aggregate key (no earlier event of the key pending), so they
 * may go out at once. Asked of the outbox in one query per batch; on an exclusive outbox answered from memory while
 * the relay knows every pending row to be in its hands: `known`, set by a claim pass that found nothing else
 * pending, lost (`forget`) as soon as a row may be pending outside its hands (a write it did not claim, a claim
 * given back, a refused dispatch, a stop). Rows in hand are counted per key from `take` to `drop`.
 */
export function createHeads(options: HeadsOptions) {
  const { db, log, exclusive } = options;
  const outbox = options.tables.outbox;
  const inHand = new Map<string, number>();
  let known = false;
  /** Counts `forget` calls, so a claim pass that overlapped one does not set `known`. */
  let forgotten = 0;
  /** A claim the relay failed to give back stays its own, outside its hands, until its lease lapses. */
  let knownNotBefore = 0;

  /** The rows of `batch` with an earlier pending event of their key, asked of the outbox. */
  async function askOutbox(batch: ClaimedRow[]): Promise<Set<string>> {
    try {
      const result = await db.execute(sql`
        select o.id from ${outbox} o
        where o.id in (${sql.join(
          batch.map((r) => sql`${r.id}`),
          sql`, `,
        )})
          and exists (select 1 from ${outbox} p where p.aggregate_key = o.aggregate_key and p.seq < o.seq and p.dispatched_at is null)`);
      return new Set(resultRows<{ id: string }>(result).map((r) => r.id));
    } catch (error) {
      // Not known to head their keys: the claim pass takes them, in order.
      log.warn({ err: error, rows: batch.length }, 'checking handed outbox rows failed; the claim pass takes them');
      return new Set(batch.map((r) => r.id));
    }
  }

  /** The same from memory: every pending row older than these is in hand, and the batch is in commit = `seq` order. */
  function askHand(batch: ClaimedRow[]): Set<string> {
    const behind = new Set<string>();
    const heading = new Set<string>();
    for (const row of batch) {
      const key = row.envelope.key;
      if (inHand.has(key) || heading.has(key)) behind.add(row.id);
      else heading.add(key);
    }
    return behind;
  }

  const forget = () => {
    known = false;
    forgotten += 1;
  };

  return {
    /** The rows of `batch` (in commit order) that must wait for an earlier event of their key. */
    behind: (batch: ClaimedRow[]): Promise<Set<string>> | Set<string> => (known ? askHand(batch) : askOutbox(batch)),
    forget,
    /**
     * Whether every pending row is known to be in the relay's hands, so that a claim pass could find nothing to take:
     * the periodic sweep is skipped then (an idle host on PGlite ran one claim query per module every sweep).
     */
    knowsAll: () => known,
    /** A claim of the relay's could not be given back: it is pending outside its hands until its lease lapses. */
    lostClaims() {
      forget();
      knownNotBefore = Date.now() + options.leaseMs;
    },
    take(row: ClaimedRow) {
      if (exclusive) inHand.set(row.envelope.key, (inHand.get(row.envelope.key) ?? 0) + 1);
    },
    drop(row: ClaimedRow) {
      if (!exclusive) return;
      const left = (inHand.get(row.envelope.key) ?? 0) - 1;
      if (left > 0) inHand.set(row.envelope.key, left);
      else inHand.delete(row.envelope.key);
    },
    /** Stopping: nothing in hand, nothing known. */
    clear() {
      forget();
      inHand.clear();
    },
    /** Before a claim pass: what `passed` compares with. */
    passing: () => forgotten,
    /**
     * After a claim pass took its rows in hand: `clear` if its snapshot had nothing pending left unclaimed and no
     * other relay's claim. With one transaction at a time, a write not claimed as written committed before that
     * snapshot, or is still to come and will `forget`; `untracked` covers one that wrote and has not committed yet.
     */
    passed(since: number, clear: boolean, untracked: boolean) {
      if (exclusive && clear && since === forgotten && !untracked && Date.now() >= knownNotBefore) known = true;
    },
  };
}
