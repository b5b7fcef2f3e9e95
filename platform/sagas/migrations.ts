import { createHash } from 'node:crypto';
import { quoteIdentifier as ident, type Migration } from '../db/index.ts';

/**
 * The saga runner's tables in `schema`, applied by the host beside the module's own migrations for a module that
 * declares sagas (recorded in its `__migrations` under `platform-sagas-*` tags). `sagas` holds each saga's state and
 * lease; `saga_history` every transition, append-only by use.
 */
export function sagaMigrations(schema: string): Migration[] {
  const s = ident(schema);
  const statements = [
    `CREATE TABLE ${s}."sagas" (
      "id" text PRIMARY KEY NOT NULL,
      "name" text NOT NULL,
      "state" text NOT NULL CHECK ("state" IN ('running', 'compensating', 'completed', 'compensated', 'stuck')),
      "input" jsonb NOT NULL,
      "cursor" integer NOT NULL,
      "steps" jsonb NOT NULL DEFAULT '{}'::jsonb,
      "attempts" integer NOT NULL DEFAULT 0,
      "next_at" timestamp with time zone NOT NULL DEFAULT now(),
      "lease_owner" text, "lease_until" timestamp with time zone,
      "last_error" text,
      "started_at" timestamp with time zone NOT NULL DEFAULT now(),
      "updated_at" timestamp with time zone NOT NULL DEFAULT now(),
      "ended_at" timestamp with time zone)`,
    `CREATE INDEX "sagas_due_idx" ON ${s}."sagas" ("next_at") WHERE "state" IN ('running', 'compensating')`,
    `CREATE INDEX "sagas_state_idx" ON ${s}."sagas" ("state", "updated_at")`,
    `CREATE TABLE ${s}."saga_history" (
      "seq" bigserial PRIMARY KEY NOT NULL,
      "saga_id" text NOT NULL,
      "at" timestamp with time zone NOT NULL DEFAULT now(),
      "step" text, "action" text NOT NULL, "outcome" text NOT NULL,
      "attempt" integer NOT NULL DEFAULT 0,
      "detail" jsonb NOT NULL DEFAULT '{}'::jsonb)`,
    `CREATE INDEX "saga_history_saga_idx" ON ${s}."saga_history" ("saga_id", "seq")`,
  ];
  // 0001: the starting request's trace, so each step's span joins it (one request, one trace, however late a step runs).
  const tracing = [`ALTER TABLE ${s}."sagas" ADD COLUMN "traceparent" text`];
  const hash = (list: string[]) => createHash('sha256').update(list.join('\n')).digest('hex');
  return [
    { tag: 'platform-sagas-0000', hash: hash(statements), statements },
    { tag: 'platform-sagas-0001', hash: hash(tracing), statements: tracing },
  ];
}
