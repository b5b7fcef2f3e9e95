import { sql, type SQL } from 'drizzle-orm';
import { quoteIdentifier as ident } from '../db/index.ts';

/** A quoted SQL identifier. */
export { ident };

/** `"schema"."table"` as a drizzle fragment. */
export const tableIn = (schema: string, table: string): SQL => sql.raw(`${ident(schema)}.${ident(table)}`);

/** The event store's tables in a module's schema. */
export function storeTables(schema: string): { events: SQL; checkpoints: SQL } {
  return { events: tableIn(schema, 'es_events'), checkpoints: tableIn(schema, 'es_checkpoints') };
}

/** Rows of a `db.execute` result, whichever driver ran it. */
export { resultRows as rowsOf } from '../db/index.ts';
