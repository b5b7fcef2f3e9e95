import { integer, pgSchema, serial, text, uuid } from 'drizzle-orm/pg-core';
import { eventTables } from '../../../platform/events/tables.ts';

/** A test-only module's schema: one row per handled event, so duplicates would show. */
export const probeSchema = pgSchema('probe');

export const effects = probeSchema.table('effects', {
  seq: serial('seq').primaryKey(),
  eventId: uuid('event_id').notNull(),
  productId: uuid('product_id').notNull(),
  sku: text('sku').notNull(),
  attempt: integer('attempt').notNull(),
});

export const { outbox, inbox, deadLetters } = eventTables(probeSchema);
