import { pgSchema } from 'drizzle-orm/pg-core';
import { eventTables } from '../../../platform/events/tables.ts';
import { idempotencyTables } from '../../../platform/idempotency/tables.ts';

/**
 * A test-only event-sourced module's schema: only the platform's tables. Its streams (`es_events`) come with the
 * platform's event-sourcing migrations, its read model is created by the projection runner.
 */
export const tallySchema = pgSchema('tally');

export const { outbox, inbox, deadLetters } = eventTables(tallySchema);
export const { idempotencyKeys } = idempotencyTables(tallySchema);
