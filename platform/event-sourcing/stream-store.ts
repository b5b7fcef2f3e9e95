import { sql } from 'drizzle-orm';
import { isUniqueViolation, type Executor } from '../db/index.ts';
import { currentContext, traceparentOf } from '../observability/index.ts';
import { versionConflict } from './errors.ts';
import { rowsOf, storeTables } from './sql-names.ts';

/** One event as stored, before upcasting. */
export interface StoredEvent {
  seq: number;
  aggregate: string;
  streamId: string;
  /** Its position in the stream, from 1. */
  version: number;
  /** The event definition's name, `<module>.<event>`. */
  name: string;
  /** The version of the definition it was written with. */
  schemaVersion: number;
  payload: unknown;
  at: Date;
  /** The W3C trace context of the work that appended it, if any. */
  traceparent: string | null;
}

export interface EventToStore {
  name: string;
  schemaVersion: number;
  payload: unknown;
}

interface Row {
  seq: string | number;
  aggregate: string;
  stream_id: string;
  version: number;
  name: string;
  schema_version: number;
  payload: unknown;
  at: string | Date;
  traceparent: string | null;
}

/** The columns every reader selects, in the shape `toStored` reads. */
export const storedColumns = sql.raw(`"seq", "aggregate", "stream_id", "version", "name", "schema_version", "payload", "at", "traceparent"`);

export function toStored(row: Row): StoredEvent {
  const payload = typeof row.payload === 'string' ? (JSON.parse(row.payload) as unknown) : row.payload;
  return {
    seq: Number(row.seq),
    aggregate: row.aggregate,
    streamId: row.stream_id,
    version: Number(row.version),
    name: row.name,
    schemaVersion: Number(row.schema_version),
    payload,
    at: new Date(row.at),
    traceparent: row.traceparent ?? null,
  };
}

/** A stream's events in order, from `afterVersion` on. */
export async function readStream(db: Executor, schema: string, aggregate: string, streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
  const { events } = storeTables(schema);
  const rows = rowsOf<Row>(
    await db.execute(
      sql`select ${storedColumns} from ${events} where "aggregate" = ${aggregate} and "stream_id" = ${streamId} and "version" > ${afterVersion} order by "version"`,
    ),
  );
  return rows.map(toStored);
}

/**
 * Appends to a stream that must be at `expectedVersion` (0: a new stream). A stream at another version, or an append
 * that commits first at the same version (the unique key on stream and version), fails with
 * `platform/stream-version-conflict`, and the caller's transaction rolls back.
 */
export async function appendToStream(
  tx: Executor,
  schema: string,
  aggregate: string,
  streamId: string,
  expectedVersion: number,
  events: readonly EventToStore[],
): Promise<number> {
  const { events: table } = storeTables(schema);
  const [head] = rowsOf<{ version: number; tx: string }>(
    await tx.execute(
      sql`select "version", "tx"::text as "tx" from ${table} where "aggregate" = ${aggregate} and "stream_id" = ${streamId} order by "version" desc limit 1`,
    ),
  );
  const actual = head ? Number(head.version) : 0;
  if (actual !== expectedVersion) throw versionConflict(aggregate, streamId, expectedVersion, actual);
  if (events.length === 0) return actual;
  // A transaction may hold an older id than the one that wrote the stream's previous event (it started first and
  // appended after that one committed). Raising `tx` to the previous event's keeps (tx, seq) in stream order, and
  // keeps `tx` at or above the appending transaction's own id, which is what projections wait on.
  const txValue = head ? sql`greatest(pg_current_xact_id(), ${head.tx}::xid8)` : sql`pg_current_xact_id()`;
  const traceparent = traceparentOf(currentContext()) ?? null;
  const values = events.map(
    (e, i) =>
      sql`(${aggregate}, ${streamId}, ${expectedVersion + i + 1}, ${e.name}, ${e.schemaVersion}, ${JSON.stringify(e.payload)}::jsonb, ${txValue}, ${traceparent})`,
  );
  try {
    await tx.execute(
      sql`insert into ${table} ("aggregate", "stream_id", "version", "name", "schema_version", "payload", "tx", "traceparent") values ${sql.join(values, sql`, `)}`,
    );
  } catch (error) {
    if (isUniqueViolation(error)) throw versionConflict(aggregate, streamId, expectedVersion, null, error);
    throw error;
  }
  return expectedVersion + events.length;
}
