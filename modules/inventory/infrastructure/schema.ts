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

/**
 * A reservation. Releasing an id inventory has never seen leaves a tombstone (status `released`, no product or
 * quantity) under that id, so a reservation with it that arrives later conflicts on the primary key and is refused.
 */
export const reservations = inventorySchema.table(
  'reservations',
  {
    id: uuid('id').primaryKey(),
    productId: uuid('product_id'),
    quantity: integer('quantity'),
    status: text('status', { enum: ['active', 'released', 'committed'] })
      .notNull()
      .default('active'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    releasedAt: timestamp('released_at', { withTimezone: true }),
    committedAt: timestamp('committed_at', { withTimezone: true }),
  },
  (t) => [
    check('reservations_quantity_positive', sql`${t.quantity} > 0`),
    // Only a released tombstone may lack a product and quantity.
    check('reservations_tombstone_released', sql`(${t.productId} is not null and ${t.quantity} is not null) or ${t.status} = 'released'`),
    index('reservations_product_idx').on(t.productId),
  ],
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
