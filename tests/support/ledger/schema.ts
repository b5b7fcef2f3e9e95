import { integer, pgSchema, serial } from 'drizzle-orm/pg-core';
import { eventTables } from '../../../platform/events/tables.ts';
import { idempotencyTables } from '../../../platform/idempotency/tables.ts';

/** A test-only module's schema: one row per entry, a non-idempotent effect, so a duplicate would show. */
export const ledgerSchema = pgSchema('ledger');

export const entries = ledgerSchema.table('entries', {
  seq: serial('seq').primaryKey(),
  amount: integer('amount').notNull(),
});

export const { outbox, inbox, deadLetters } = eventTables(ledgerSchema);
export const { idempotencyKeys } = idempotencyTables(ledgerSchema);
