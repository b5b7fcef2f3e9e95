import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../db/index.ts';
import type { AnyProjection } from './define-projection.ts';
import { rowsOf, storeTables } from './sql-names.ts';
import { storedColumns, toStored, type StoredEvent } from './stream-store.ts';

/** Where a projection (or its rebuild) stands: the last event it handled, as `(tx, seq)`. */
export interface Checkpoint {
  key: string;
  tx: string;
  seq: number;
  version: number;
}

/**
 * Locks the checkpoint row `key` for this transaction. `skipLocked`: answer `undefined` at once when another runner
 * (another replica) holds it, rather than wait. Undefined too when there is no such row.
 */
export async function lockCheckpoint(tx: Tx, schema: string, key: string, skipLocked: boolean): Promise<Checkpoint | undefined> {
  const { checkpoints } = storeTables(schema);
  const [row] = rowsOf<{ tx: string; seq: string | number; version: number }>(
    await tx.execute(
      sql`select "tx"::text as "tx", "seq", "version" from ${checkpoints} where "projection" = ${key} for update ${skipLocked ? sql`skip locked` : sql``}`,
    ),
  );
  return row && { key, tx: row.tx, seq: Number(row.seq), version: Number(row.version) };
}

/** Runs one event's `handle` (the runner's span around it, when tracing is on). */
export type HandleWrapper = (event: StoredEvent, handle: () => Promise<void>) => Promise<void>;

/**
 * Handles the next events after `from` (at most `limit`) into `tables` and moves the checkpoint past them, in the
 * caller's transaction, so a read model never shows an event without its checkpoint or the other way round.
 *
 * Why not `seq > last_seq`: `seq` is taken when a row is inserted, not when its transaction commits. Transaction A
 * takes seq 1 and is still open when B takes seq 2 and commits; a reader then sees 2, moves past it, and never reads
 * 1 once A commits. So events are read in `(tx, seq)` order, and only those whose transaction id is below the
 * snapshot's `xmin` (`pg_snapshot_xmin(pg_current_snapshot())`, in the same statement as the read, so one
 * snapshot): every transaction below it has ended, so no event can still appear behind the checkpoint. An open
 * transaction holds the projection back (lag), it is never skipped.
 */
export async function projectBatch(
  tx: Tx,
  schema: string,
  projection: AnyProjection,
  from: Checkpoint,
  tables: Record<string, SQL>,
  limit: number,
  around?: HandleWrapper,
) {
  const { events, checkpoints } = storeTables(schema);
  // The id goes out as text under another name: `order by "tx"` would otherwise sort the text, not the xid8.
  const rows = rowsOf<Parameters<typeof toStored>[0] & { xid: string }>(
    await tx.execute(sql`
      select ${storedColumns}, "tx"::text as "xid" from ${events}
      where ("tx", "seq") > (${from.tx}::xid8, ${from.seq}::bigint) and "tx" < pg_snapshot_xmin(pg_current_snapshot())
      order by ${events}."tx", ${events}."seq" limit ${limit}`),
  );
  const aggregates = new Map(projection.from.map((a) => [a.name, a]));
  for (const row of rows) {
    const stored = toStored(row);
    const aggregate = aggregates.get(stored.aggregate);
    if (!aggregate) continue;
    const event = { ...aggregate.decode(stored), aggregate: stored.aggregate, streamId: stored.streamId, seq: stored.seq };
    if (around) await around(stored, () => projection.handle(tx, event as never, tables));
    else await projection.handle(tx, event as never, tables);
  }
  const last = rows.at(-1);
  if (!last) return { read: 0, checkpoint: from };
  await tx.execute(sql`
    update ${checkpoints} set "tx" = ${last.xid}::xid8, "seq" = ${Number(last.seq)}, "handled" = "handled" + ${rows.length},
      "updated_at" = now(), "last_error" = null
    where "projection" = ${from.key}`);
  return { read: rows.length, checkpoint: { ...from, tx: last.xid, seq: Number(last.seq) } };
}
