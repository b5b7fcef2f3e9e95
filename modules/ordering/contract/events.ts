import { z } from 'zod';
import { defineEvent } from '../../../platform/events/index.ts';

const money = z.object({ amount: z.number().int(), currency: z.string() });
/** The customer's user id: a pseudonym, personal data all the same. */
const customer = { customerId: { category: 'personal', protection: 'plain' } } as const;
const line = z.object({ productId: z.uuid(), sku: z.string(), name: z.string(), quantity: z.number().int(), unitPrice: money });

/**
 * Ordering's integration events, published through the outbox when the order aggregate changes (the aggregate's own
 * stream events stay inside ordering). Keyed by order id, so a consumer sees one order's events in order. They carry
 * the customer's id, never the customer's address: a consumer that must write to the customer asks identity.
 */
export const orderPlaced = defineEvent({
  name: 'ordering.order-placed',
  version: 1,
  schema: z.object({ orderId: z.uuid(), customerId: z.string(), lines: z.array(line), total: money }),
  key: (p) => p.orderId,
  fields: customer,
});

/** Stock reserved and payment authorized: the order will be fulfilled (the checkout's point of no return). */
export const orderConfirmed = defineEvent({
  name: 'ordering.order-confirmed',
  version: 1,
  schema: z.object({ orderId: z.uuid(), customerId: z.string(), lines: z.array(line), total: money }),
  key: (p) => p.orderId,
  fields: customer,
});

/** The checkout failed before confirmation and was undone; `reason.code` is the participant's problem code. */
export const orderRejected = defineEvent({
  name: 'ordering.order-rejected',
  version: 1,
  schema: z.object({
    orderId: z.uuid(),
    customerId: z.string(),
    total: money,
    reason: z.object({ code: z.string(), message: z.string() }),
  }),
  key: (p) => p.orderId,
  fields: customer,
});

/** Payment captured and stock taken out of the warehouse's books. */
export const orderCompleted = defineEvent({
  name: 'ordering.order-completed',
  version: 1,
  schema: z.object({ orderId: z.uuid(), customerId: z.string(), total: money }),
  key: (p) => p.orderId,
  fields: customer,
});
