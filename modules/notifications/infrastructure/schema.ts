import { index, integer, pgSchema, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { dataKeyTables } from '../../../platform/encryption/tables.ts';
import { eventTables } from '../../../platform/events/tables.ts';
import { idempotencyTables } from '../../../platform/idempotency/tables.ts';

/** Notifications' own schema: the messages written to customers (the mailbox) and the keys that seal them. */
export const notificationsSchema = pgSchema('notifications');

export const messages = notificationsSchema.table(
  'messages',
  {
    id: uuid('id').primaryKey(),
    /** The event the message answers; with `template`, unique: one message per event and template, whatever happens. */
    eventId: uuid('event_id').notNull(),
    eventName: text('event_name').notNull(),
    eventVersion: integer('event_version').notNull(),
    /** `<template>@<version>`, e.g. `order-confirmed@1`. */
    template: text('template').notNull(),
    /** The customer (identity user id): the data subject whose key seals the personal columns. */
    customerId: text('customer_id').notNull(),
    /** What the message is about (an order id). */
    reference: text('reference').notNull(),
    /** Subject line, body and recipient address: sealed with the customer's data key (`f1.<key id>.…`). */
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    recipient: text('recipient'),
    status: text('status', { enum: ['pending', 'delivered', 'undeliverable', 'failed'] })
      .notNull()
      .default('pending'),
    /** Why it was not delivered (no address, the sender kept failing); never personal data. */
    failure: text('failure'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('messages_event_template_idx').on(t.eventId, t.template), index('messages_customer_idx').on(t.customerId, t.createdAt)],
);

export const { outbox, inbox, deadLetters } = eventTables(notificationsSchema);
export const { dataKeys } = dataKeyTables(notificationsSchema);
export const { idempotencyKeys } = idempotencyTables(notificationsSchema);
