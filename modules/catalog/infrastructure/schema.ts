import { bigint, check, index, integer, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { eventTables } from '../../../platform/events/tables.ts';
import { idempotencyTables } from '../../../platform/idempotency/tables.ts';

/** Catalog's own schema; no other module reads or writes it. */
export const catalogSchema = pgSchema('catalog');

export const products = catalogSchema.table(
  'products',
  {
    id: uuid('id').primaryKey(),
    sku: text('sku').notNull().unique(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    priceAmount: bigint('price_amount', { mode: 'number' }).notNull(),
    priceCurrency: text('price_currency').notNull(),
    status: text('status', { enum: ['active', 'archived'] })
      .notNull()
      .default('active'),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('products_price_amount_non_negative', sql`${t.priceAmount} >= 0`),
    check('products_currency_iso', sql`${t.priceCurrency} ~ '^[A-Z]{3}$'`),
    index('products_status_id_idx').on(t.status, t.id),
  ],
);

export const { outbox, inbox, deadLetters } = eventTables(catalogSchema);
export const { idempotencyKeys } = idempotencyTables(catalogSchema);
