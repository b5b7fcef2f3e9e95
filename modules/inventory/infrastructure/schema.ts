import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { eventTables } from '../../../platform/events/tables.ts';
import { idempotencyTables } from '../../../platform/idempotency/tables.ts';

/** Inventory's own schema; products are referred to by id only, never joined. */
export const inventorySchema = pgSchema('inventory');

export const stockItems = inventorySchema.table(
  'stock_items',
  {
    productId: uuid('product_id').primaryKey(),
    sku: text('sku').notNull(),
    onHand: integer('on_hand').notNull().default(0),
    reserved: integer('reserved').notNull().default(0),
    active: boolean('active').notNull().default(true),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // The database itself refuses negative stock, whatever the code does.
  (t) => [check('stock_items_reserved_within_on_hand', sql`${t.reserved} >= 0 and ${t.onHand} >= ${t.reserved}`)],
);

export const reservations = inventorySchema.table(
  'reservations',
  {
    id: uuid('id').primaryKey(),
    productId: uuid('product_id').notNull(),
    quantity: integer('quantity').notNull(),
    status: text('status', { enum: ['active', 'released'] })
      .notNull()
      .default('active'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    releasedAt: timestamp('released_at', { withTimezone: true }),
  },
  (t) => [check('reservations_quantity_positive', sql`${t.quantity} > 0`), index('reservations_product_idx').on(t.productId)],
);

export const receipts = inventorySchema.table(
  'receipts',
  {
    id: uuid('id').primaryKey(),
    productId: uuid('product_id').notNull(),
    quantity: integer('quantity').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('receipts_quantity_positive', sql`${t.quantity} > 0`)],
);

export const { outbox, inbox, deadLetters } = eventTables(inventorySchema);
export const { idempotencyKeys } = idempotencyTables(inventorySchema);
