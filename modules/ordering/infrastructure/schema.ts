import { sql } from 'drizzle-orm';
import { check, index, integer, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { eventTables } from '../../../platform/events/tables.ts';
import { idempotencyTables } from '../../../platform/idempotency/tables.ts';

/**
 * Ordering's own schema. Carts are plain tables; orders are event streams (`es_events`, from the platform's
 * event-sourcing migrations) with read models built by projections; the checkout saga's tables come with the platform.
 */
export const orderingSchema = pgSchema('ordering');

export const carts = orderingSchema.table(
  'carts',
  {
    id: uuid('id').primaryKey(),
    customerId: text('customer_id').notNull(),
    status: text('status', { enum: ['open', 'checked-out'] })
      .notNull()
      .default('open'),
    currency: text('currency'),
    orderId: uuid('order_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('carts_customer_idx').on(t.customerId)],
);

export const cartLines = orderingSchema.table(
  'cart_lines',
  {
    cartId: uuid('cart_id').notNull(),
    productId: uuid('product_id').notNull(),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    quantity: integer('quantity').notNull(),
    unitPriceAmount: integer('unit_price_amount').notNull(),
    currency: text('currency').notNull(),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.cartId, t.productId] }),
    check('cart_lines_quantity_range', sql`${t.quantity} between 1 and 100`),
    check('cart_lines_price_not_negative', sql`${t.unitPriceAmount} >= 0`),
  ],
);

/**
 * Customers erased (on `identity.user-erased`) and the pseudonym their orders carry since. The order streams are
 * append-only and name the customer by id; projections read this table so a rebuild of the read models from the
 * streams brings back the pseudonym, not the id.
 */
export const erasedCustomers = orderingSchema.table('erased_customers', {
  customerId: text('customer_id').primaryKey(),
  pseudonym: text('pseudonym').notNull(),
  erasedAt: timestamp('erased_at', { withTimezone: true }).notNull().defaultNow(),
});

export const { outbox, inbox, deadLetters } = eventTables(orderingSchema);
export const { idempotencyKeys } = idempotencyTables(orderingSchema);
