import { pgSchema } from 'drizzle-orm/pg-core';
import { eventTables } from '../../platform/events/tables.ts';

/** The bench module's schema: only the event tables every module has (its route reads and writes nothing). */
export const benchSchema = pgSchema('bench');

export const { outbox, inbox, deadLetters } = eventTables(benchSchema);
