import { bigint, check, index, jsonb, pgSchema, smallint, text, timestamp, type PgSchema } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

/**
 * The audit trail's tables in a module's own schema, for queries. They are created by the platform's own migrations
 * (`auditMigrations`), not by drizzle-kit: every module gets them, with the grants and triggers drizzle cannot write.
 */
export function auditTables(schema: PgSchema | string) {
  const s = typeof schema === 'string' ? pgSchema(schema) : schema;
  const log = s.table(
    'audit_log',
    {
      seq: bigint('seq', { mode: 'number' }).primaryKey(),
      at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
      actorUser: text('actor_user'),
      actorModule: text('actor_module'),
      actorClient: text('actor_client'),
      action: text('action').notNull(),
      target: text('target'),
      outcome: text('outcome', { enum: ['success', 'failure', 'denied'] }).notNull(),
      requestId: text('request_id'),
      correlationId: text('correlation_id'),
      detail: jsonb('detail').$type<Record<string, unknown>>().notNull(),
      prevHash: text('prev_hash').notNull(),
      hash: text('hash').notNull(),
    },
    (t) => [index('audit_log_action_idx').on(t.action, t.seq), index('audit_log_at_idx').on(t.at), index('audit_log_actor_idx').on(t.actorUser, t.seq)],
  );
  /** One row: the chain's last seq and hash. Writers lock it, so entries chain in one order and seq has no gaps. */
  const head = s.table(
    'audit_head',
    { id: smallint('id').primaryKey(), seq: bigint('seq', { mode: 'number' }).notNull(), hash: text('hash').notNull() },
    (t) => [check('audit_head_one_row', sql`${t.id} = 1`)],
  );
  /** The chain's head at a point, signed by identity: what a rewrite that recomputes every hash cannot match. */
  const checkpoints = s.table('audit_checkpoints', {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    hash: text('hash').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    kid: text('kid').notNull(),
    jws: text('jws').notNull(),
  });
  return { log, head, checkpoints };
}

export type AuditTables = ReturnType<typeof auditTables>;
