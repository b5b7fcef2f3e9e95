import { sql } from 'drizzle-orm';
import type { Executor } from '../db/index.ts';
import type { AnyProjection } from './define-projection.ts';
import { rowsOf, storeTables } from './sql-names.ts';

/** Where one checkpoint (live model or rebuild) stands. */
export interface ProjectionPosition {
  /** The last event handled: its transaction id and sequence number. */
  tx: string;
  seq: number;
  /** Events handled since it started. */
  handled: number;
  /** Committed events not handled yet, and the age in seconds of the oldest of them (0 when caught up). */
  lagEvents: number;
  lagSeconds: number;
  startedAt: string;
  updatedAt: string;
}

export interface ProjectionStatus {
  module: string;
  name: string;
  /** The version declared in code, and the version the live tables were built by (they differ until a rebuild ends). */
  version: number;
  liveVersion: number | null;
  live: ProjectionPosition | null;
  /** The rebuild in progress, if any, and the version it builds (only hosts running that version feed it). */
  rebuild: ProjectionPosition | null;
  rebuildVersion: number | null;
  rebuiltAt: string | null;
  /** The last failure of `handle`, until a batch succeeds. */
  lastError: string | null;
}

interface Row {
  projection: string;
  tx: string;
  seq: string | number;
  version: number;
  handled: string | number;
  started_at: string | Date;
  updated_at: string | Date;
  rebuilt_at: string | Date | null;
  last_error: string | null;
  lag_events: number;
  lag_seconds: number;
}

const iso = (d: string | Date) => new Date(d).toISOString();

/**
 * Every checkpoint of the module's projections with its lag, counted in one statement: the committed events after
 * the checkpoint, whatever their transaction (an event of a still-open transaction is not counted: nobody sees it).
 */
export async function readStatus(db: Executor, schema: string, projections: readonly AnyProjection[]): Promise<ProjectionStatus[]> {
  const { events, checkpoints } = storeTables(schema);
  const rows = rowsOf<Row>(
    await db.execute(sql`
      select c."projection", c."tx"::text as "tx", c."seq", c."version", c."handled", c."started_at", c."updated_at", c."rebuilt_at", c."last_error",
        (select count(*) from ${events} e where (e."tx", e."seq") > (c."tx", c."seq"))::int as "lag_events",
        coalesce((select extract(epoch from now() - min(e."at")) from ${events} e where (e."tx", e."seq") > (c."tx", c."seq")), 0)::float8 as "lag_seconds"
      from ${checkpoints} c`),
  );
  const byKey = new Map(rows.map((r) => [r.projection, r]));
  const position = (r: Row | undefined): ProjectionPosition | null =>
    r
      ? {
          tx: r.tx,
          seq: Number(r.seq),
          handled: Number(r.handled),
          lagEvents: Number(r.lag_events),
          lagSeconds: Math.max(0, Number(r.lag_seconds)),
          startedAt: iso(r.started_at),
          updatedAt: iso(r.updated_at),
        }
      : null;
  return projections.map((p) => {
    const live = byKey.get(p.name);
    const rebuilding = byKey.get(`${p.name}#rebuild`);
    return {
      module: schema,
      name: p.name,
      version: p.version,
      liveVersion: live ? Number(live.version) : null,
      live: position(live),
      rebuild: position(rebuilding),
      rebuildVersion: rebuilding ? Number(rebuilding.version) : null,
      rebuiltAt: live?.rebuilt_at ? iso(live.rebuilt_at) : null,
      lastError: live?.last_error ?? null,
    };
  });
}
