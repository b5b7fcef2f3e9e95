import { index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uuid, type PgSchema } from 'drizzle-orm/pg-core';

/** One stored answer: status, the headers worth repeating, and the body as text (Cleave answers in JSON). */
export interface StoredResponse {
  status: number;
  headers: [string, string][];
  body: string;
}

/**
 * The `Idempotency-Key` table every module has in its own schema. A module's drizzle schema file re-exports it
 * (beside `eventTables`) so drizzle-kit writes it into the module's migrations.
 *
 * A row is a claim on (caller scope, method, path, key): `processing` while the first request runs (until
 * `locked_until`, after which a retry may take over from a crashed process), `applied` when its effect committed
 * before its answer was known, `completed` with the answer to replay, until `expires_at`.
 */
export function idempotencyTables(schema: PgSchema | string) {
  const s = typeof schema === 'string' ? pgSchema(schema) : schema;
  const idempotencyKeys = s.table(
    'idempotency_keys',
    {
      scope: text('scope').notNull(),
      method: text('method').notNull(),
      path: text('path').notNull(),
      key: text('key').notNull(),
      fingerprint: text('fingerprint').notNull(),
      token: uuid('token').notNull(),
      state: text('state', { enum: ['processing', 'applied', 'completed'] }).notNull(),
      lockedUntil: timestamp('locked_until', { withTimezone: true }).notNull(),
      expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
      responseStatus: integer('response_status'),
      responseHeaders: jsonb('response_headers').$type<[string, string][]>(),
      responseBody: text('response_body'),
      createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.scope, t.method, t.path, t.key] }), index('idempotency_keys_expires_idx').on(t.expiresAt)],
  );
  return { idempotencyKeys };
}

export type IdempotencyTables = ReturnType<typeof idempotencyTables>;
