import { createHash } from 'node:crypto';
import type { Migration } from '../db/index.ts';
import { ident } from './sql-names.ts';

/**
 * The event store's tables in `schema`, applied by the host beside the module's own migrations (tags
 * `platform-event-sourcing-*`) for a module that declares aggregates or projections:
 * - `es_events`: every stream's events, append-only (a trigger refuses UPDATE, DELETE and TRUNCATE; the retention job
 *   alone deletes whole streams past their retention). `seq` orders
 *   events of one module; `tx` is the appending transaction's id, raised to the stream's previous `tx` when that is
 *   higher, so `(tx, seq)` orders each stream by version (see projection-batch.ts for why `tx` is there at all).
 * - `es_checkpoints`: per projection (and per running rebuild, `<name>#rebuild`), the last `(tx, seq)` handled.
 */
export function eventSourcingMigrations(schema: string): Migration[] {
  const s = ident(schema);
  const statements = [
    `CREATE TABLE ${s}."es_events" (
      "seq" bigserial PRIMARY KEY NOT NULL,
      "aggregate" text NOT NULL, "stream_id" text NOT NULL, "version" integer NOT NULL CHECK ("version" > 0),
      "name" text NOT NULL, "schema_version" integer NOT NULL,
      "payload" jsonb NOT NULL,
      "at" timestamp with time zone NOT NULL DEFAULT now(),
      "tx" xid8 NOT NULL,
      CONSTRAINT "es_events_stream_version" UNIQUE ("aggregate", "stream_id", "version"))`,
    `CREATE INDEX "es_events_tx_seq_idx" ON ${s}."es_events" ("tx", "seq")`,
    `CREATE TABLE ${s}."es_checkpoints" (
      "projection" text PRIMARY KEY NOT NULL,
      "tx" xid8 NOT NULL DEFAULT '0', "seq" bigint NOT NULL DEFAULT 0,
      "version" integer NOT NULL, "handled" bigint NOT NULL DEFAULT 0,
      "started_at" timestamp with time zone NOT NULL DEFAULT now(),
      "updated_at" timestamp with time zone NOT NULL DEFAULT now(),
      "rebuilt_at" timestamp with time zone, "last_error" text)`,
    `CREATE FUNCTION ${s}."es_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'platform/append-only: % on %.% is refused; event streams are append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = '42501'; END $$`,
    `CREATE TRIGGER "es_events_no_change" BEFORE UPDATE OR DELETE ON ${s}."es_events" FOR EACH ROW EXECUTE FUNCTION ${s}."es_append_only"()`,
    `CREATE TRIGGER "es_events_no_truncate" BEFORE TRUNCATE ON ${s}."es_events" FOR EACH STATEMENT EXECUTE FUNCTION ${s}."es_append_only"()`,
  ];
  // Retention and tracing (0001): the module's retention job may delete whole streams past their declared
  // retention, and only it: in a transaction that sets `cleave.expiring_streams` (see platform/host/retention-job.ts).
  // Updates, other deletes and TRUNCATE are still refused. The index on `at` finds old events without reading every
  // stream.
  const retention = [
    `CREATE OR REPLACE FUNCTION ${s}."es_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('cleave.expiring_streams', true) = 'on' THEN RETURN OLD; END IF;
        RAISE EXCEPTION 'platform/append-only: % on %.% is refused; event streams are append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = '42501';
      END $$`,
    `CREATE INDEX "es_events_at_idx" ON ${s}."es_events" ("at")`,
    // The appending request's trace context: a projection's span for the event continues that trace.
    `ALTER TABLE ${s}."es_events" ADD COLUMN "traceparent" text`,
  ];
  const hash = (list: string[]) => createHash('sha256').update(list.join('\n')).digest('hex');
  return [
    { tag: 'platform-event-sourcing-0000', hash: hash(statements), statements },
    { tag: 'platform-event-sourcing-0001', hash: hash(retention), statements: retention },
  ];
}
