import { sql } from 'drizzle-orm';
import { bigserial, check, index, integer, pgSchema, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { eventTables } from '../../../platform/events/tables.ts';
import { idempotencyTables } from '../../../platform/idempotency/tables.ts';

/** Payments' own schema. */
export const paymentsSchema = pgSchema('payments');

/**
 * Payment intents. Voiding an id payments has never seen leaves a tombstone (status `voided`, no amount or
 * reference) under it, so an authorization with that id arriving later conflicts on the primary key and is refused.
 */
export const paymentIntents = paymentsSchema.table(
  'payment_intents',
  {
    id: uuid('id').primaryKey(),
    reference: text('reference'),
    customerId: text('customer_id'),
    amount: integer('amount'),
    currency: text('currency'),
    status: text('status', { enum: ['pending', 'authorized', 'declined', 'captured', 'voided', 'refunded'] }).notNull(),
    capturedAmount: integer('captured_amount').notNull().default(0),
    refundedAmount: integer('refunded_amount').notNull().default(0),
    /** Refunds asked for, pending or done: what is held against the captured amount; and how many there were. */
    refundReserved: integer('refund_reserved').notNull().default(0),
    refundCount: integer('refund_count').notNull().default(0),
    declineReason: text('decline_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check(
      'payment_intents_tombstone_voided',
      sql`(${t.amount} is not null and ${t.reference} is not null and ${t.currency} is not null) or ${t.status} = 'voided'`,
    ),
    check(
      'payment_intents_amounts',
      sql`${t.refundedAmount} >= 0 and ${t.refundedAmount} <= ${t.refundReserved} and ${t.refundReserved} <= ${t.capturedAmount} and ${t.capturedAmount} <= coalesce(${t.amount}, 0)`,
    ),
  ],
);

/** Refunds of an intent, numbered; recorded `pending` before the provider is asked, so a retry finds them. */
export const refunds = paymentsSchema.table(
  'refunds',
  {
    intentId: uuid('intent_id').notNull(),
    seq: integer('seq').notNull(),
    /** The provider idempotency key: `refund:<intent>:<seq>`, or derived from the request's Idempotency-Key. */
    providerKey: text('provider_key').notNull(),
    amount: integer('amount').notNull(),
    status: text('status', { enum: ['pending', 'succeeded', 'declined'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('refunds_intent_seq').on(t.intentId, t.seq),
    unique('refunds_provider_key').on(t.providerKey),
    check('refunds_amount_positive', sql`${t.amount} > 0`),
  ],
);

/** One journal entry per money movement; `(intent_id, movement)` is unique, so a movement is never booked twice. */
export const journalEntries = paymentsSchema.table(
  'journal_entries',
  {
    id: uuid('id').primaryKey(),
    intentId: uuid('intent_id').notNull(),
    /** `capture`, `refund:<seq>`. */
    movement: text('movement').notNull(),
    currency: text('currency').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('journal_entries_movement').on(t.intentId, t.movement)],
);

/** The legs of journal entries: each a debit or a credit of one account. An entry's debits equal its credits. */
export const postings = paymentsSchema.table(
  'postings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    entryId: uuid('entry_id').notNull(),
    account: text('account').notNull(),
    debit: integer('debit').notNull().default(0),
    credit: integer('credit').notNull().default(0),
  },
  (t) => [
    check('postings_one_side', sql`${t.debit} >= 0 and ${t.credit} >= 0 and (${t.debit} = 0) <> (${t.credit} = 0)`),
    index('postings_entry_idx').on(t.entryId),
  ],
);

/**
 * The simulated provider's own records: its stand-in for the database of an external payment provider, in this
 * schema only so it survives a crash of the process the way a real provider would. Payments' code never reads it;
 * only the simulator (infrastructure/provider/) does.
 */
export const providerOperations = paymentsSchema.table(
  'provider_operations',
  {
    key: text('key').primaryKey(),
    kind: text('kind', { enum: ['authorize', 'capture', 'void', 'refund'] }).notNull(),
    intentId: uuid('intent_id').notNull(),
    amount: integer('amount'),
    currency: text('currency'),
    /** Authorizations: `authorized`, `declined`, then `captured` or `voided`; other operations `succeeded` or `declined`. */
    outcome: text('outcome').notNull(),
    reason: text('reason'),
    reference: text('reference').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('provider_operations_intent_idx').on(t.intentId)],
);

/**
 * Customers erased (on `identity.user-erased`) and the pseudonym their intents carry since: an authorization for one of
 * them arriving after the erasure (a checkout that was under way) is recorded under the pseudonym, not the id.
 */
export const erasedCustomers = paymentsSchema.table('erased_customers', {
  customerId: text('customer_id').primaryKey(),
  pseudonym: text('pseudonym').notNull(),
  erasedAt: timestamp('erased_at', { withTimezone: true }).notNull().defaultNow(),
});

export const { outbox, inbox, deadLetters } = eventTables(paymentsSchema);
export const { idempotencyKeys } = idempotencyTables(paymentsSchema);
