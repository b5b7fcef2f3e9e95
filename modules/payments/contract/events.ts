import { z } from 'zod';
import { defineEvent } from '../../../platform/events/index.ts';

/** The customer's user id: a pseudonym, personal data all the same. */
const customer = { customerId: { category: 'personal', protection: 'plain' } } as const;
const payment = { intentId: z.uuid(), reference: z.string(), customerId: z.string(), amount: z.number().int(), currency: z.string() };

/** Events of one payment are keyed by its reference (ordering: the order id), so they arrive in order with the order's. */
export const paymentAuthorized = defineEvent({
  name: 'payments.payment-authorized',
  version: 1,
  schema: z.object(payment),
  key: (p) => p.reference,
  fields: customer,
});

export const paymentDeclined = defineEvent({
  name: 'payments.payment-declined',
  version: 1,
  schema: z.object({ ...payment, reason: z.string() }),
  key: (p) => p.reference,
  fields: customer,
});

export const paymentCaptured = defineEvent({
  name: 'payments.payment-captured',
  version: 1,
  schema: z.object(payment),
  key: (p) => p.reference,
  fields: customer,
});

export const paymentVoided = defineEvent({
  name: 'payments.payment-voided',
  version: 1,
  schema: z.object(payment),
  key: (p) => p.reference,
  fields: customer,
});

/** `amount` is this refund's; `refundedAmount` all refunds of the intent so far. */
export const paymentRefunded = defineEvent({
  name: 'payments.payment-refunded',
  version: 1,
  schema: z.object({ ...payment, refundedAmount: z.number().int() }),
  key: (p) => p.reference,
  fields: customer,
});
