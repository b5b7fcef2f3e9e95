import { z } from 'zod';
import { defineAggregate } from '../../../platform/event-sourcing/index.ts';
import { defineEvent } from '../../../platform/events/index.ts';
import { evolveOrder, initialOrder, type OrderState } from '../domain/order.ts';

/**
 * The order's stream events (`order/<orderId>` in ordering's schema). They stay inside ordering: what other modules
 * learn goes out as the integration events of contract/events.ts, published in the same transaction as the append.
 */
const money = z.object({ amount: z.number().int(), currency: z.string() });
const line = z.object({ productId: z.uuid(), sku: z.string(), name: z.string(), quantity: z.number().int().positive(), unitPrice: money });
const ofOrder = { orderId: z.uuid() };
const key = (p: { orderId: string }) => p.orderId;

export const orderPlacedEvent = defineEvent({
  name: 'ordering.placed',
  version: 1,
  schema: z.object({ ...ofOrder, customerId: z.string(), cartId: z.uuid(), lines: z.array(line).min(1), total: money }),
  key,
});
export const stockReservedEvent = defineEvent({
  name: 'ordering.stock-reserved',
  version: 1,
  schema: z.object({ ...ofOrder, reservationIds: z.array(z.uuid()) }),
  key,
});
export const paymentAuthorizedEvent = defineEvent({
  name: 'ordering.payment-authorized',
  version: 1,
  schema: z.object({ ...ofOrder, intentId: z.uuid() }),
  key,
});
export const orderConfirmedEvent = defineEvent({ name: 'ordering.confirmed', version: 1, schema: z.object(ofOrder), key });
export const orderRejectedEvent = defineEvent({
  name: 'ordering.rejected',
  version: 1,
  schema: z.object({ ...ofOrder, reason: z.object({ code: z.string(), message: z.string() }) }),
  key,
});
export const paymentCapturedEvent = defineEvent({
  name: 'ordering.payment-captured',
  version: 1,
  schema: z.object({ ...ofOrder, intentId: z.uuid() }),
  key,
});
export const stockCommittedEvent = defineEvent({ name: 'ordering.stock-committed', version: 1, schema: z.object(ofOrder), key });
export const orderCompletedEvent = defineEvent({ name: 'ordering.completed', version: 1, schema: z.object(ofOrder), key });

/** The event-sourced order: pending → confirmed → completed, or pending → rejected (domain/order.ts). */
export const order = defineAggregate({
  name: 'order',
  events: {
    placed: orderPlacedEvent,
    stockReserved: stockReservedEvent,
    paymentAuthorized: paymentAuthorizedEvent,
    confirmed: orderConfirmedEvent,
    rejected: orderRejectedEvent,
    paymentCaptured: paymentCapturedEvent,
    stockCommitted: stockCommittedEvent,
    completed: orderCompletedEvent,
  },
  initial: initialOrder,
  evolve: (state: OrderState, event): OrderState => evolveOrder(state, event),
});
