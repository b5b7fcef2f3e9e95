import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid, type PgSchema } from 'drizzle-orm/pg-core';
import type { EventEnvelope } from './envelope.ts';

/**
 * The outbox, inbox and dead-letter tables every module has in its own schema. A module's drizzle schema file
 * re-exports them so drizzle-kit writes them into the module's migrations.
 */
export function eventTables(schema: PgSchema | string) {
  const s = typeof schema === 'string' ? pgSchema(schema) : schema;
  const outbox = s.table(
    'outbox',
    {
      seq: bigserial('seq', { mode: 'number' }).primaryKey(),
      id: uuid('id').notNull().unique(),
      name: text('name').notNull(),
      version: integer('version').notNull(),
      aggregateKey: text('aggregate_key').notNull(),
      envelope: jsonb('envelope').$type<EventEnvelope>().notNull(),
      createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
      claimedUntil: timestamp('claimed_until', { withTimezone: true }),
      /** The relay holding the claim; it renews its own claims while their dispatch is alive. */
      claimedBy: text('claimed_by'),
      dispatchedAt: timestamp('dispatched_at', { withTimezone: true }),
      attempts: integer('attempts').notNull().default(0),
      lastError: text('last_error'),
    },
    // The relay reads the head of each aggregate key's pending events; this keeps that read off the dispatched rows.
    // Pruning and redrive look rows up by time.
    (t) => [
      index('outbox_pending_idx')
        .on(t.aggregateKey, t.seq)
        .where(sql`${t.dispatchedAt} is null`),
      index('outbox_created_idx').on(t.createdAt),
      index('outbox_dispatched_idx')
        .on(t.dispatchedAt)
        .where(sql`${t.dispatchedAt} is not null`),
    ],
  );
  const inbox = s.table(
    'inbox',
    {
      eventId: uuid('event_id').notNull(),
      consumer: text('consumer').notNull(),
      handledAt: timestamp('handled_at', { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.eventId, t.consumer] }), index('inbox_handled_idx').on(t.handledAt)],
  );
  const deadLetters = s.table(
    'dead_letters',
    {
      id: uuid('id').primaryKey(),
      eventId: uuid('event_id').notNull(),
      consumer: text('consumer').notNull(),
      eventName: text('event_name').notNull(),
      eventVersion: integer('event_version').notNull(),
      envelope: jsonb('envelope').$type<EventEnvelope>().notNull(),
      error: text('error').notNull(),
      attempts: integer('attempts').notNull(),
      failedAt: timestamp('failed_at', { withTimezone: true }).notNull().defaultNow(),
      replayedAt: timestamp('replayed_at', { withTimezone: true }),
    },
    (t) => [uniqueIndex('dead_letters_event_consumer_idx').on(t.eventId, t.consumer)],
  );
  return { outbox, inbox, deadLetters };
}

export type EventTables = ReturnType<typeof eventTables>;
