import { OrderNotFound, OrderStateConflict } from './errors.ts';
import type { OrderEvent, OrderState, RejectionReason } from './order.ts';

/** An event the domain decided to append: a stream event without its time (the store stamps it). */
export type OrderChange = OrderEvent extends infer E ? (E extends OrderEvent ? Omit<E, 'at'> : never) : never;

/**
 * Each decision is idempotent by state: asked again once it took effect, it decides nothing (`[]`), so a saga step
 * repeated after a crash or a lost reply appends nothing twice.
 */
function placedOrder(state: OrderState, orderId: string): OrderState {
  if (!state.placed) throw new OrderNotFound(orderId);
  return state;
}

/** The point of no return: a pending order is confirmed; a rejected one never is. */
export function decideConfirm(state: OrderState, orderId: string): OrderChange[] {
  const order = placedOrder(state, orderId);
  if (order.status === 'confirmed' || order.status === 'completed') return [];
  if (order.status === 'rejected') throw new OrderStateConflict(orderId, order.status, 'confirmed');
  return [{ type: 'confirmed', payload: { orderId } }];
}

/** Rejection undoes a checkout before confirmation; a confirmed order can no longer be rejected. */
export function decideReject(state: OrderState, orderId: string, reason: RejectionReason): OrderChange[] {
  const order = placedOrder(state, orderId);
  if (order.status === 'rejected') return [];
  if (order.status !== 'pending') throw new OrderStateConflict(orderId, order.status, 'rejected');
  return [{ type: 'rejected', payload: { orderId, reason } }];
}

export function decideComplete(state: OrderState, orderId: string): OrderChange[] {
  const order = placedOrder(state, orderId);
  if (order.status === 'completed') return [];
  if (order.status !== 'confirmed') throw new OrderStateConflict(orderId, order.status, 'completed');
  return [{ type: 'completed', payload: { orderId } }];
}

/** Progress facts are recorded once, and only while they still mean something (reservations on a pending order). */
export function decideStockReserved(state: OrderState, orderId: string, reservationIds: string[]): OrderChange[] {
  const order = placedOrder(state, orderId);
  return order.status === 'pending' && !order.stockReserved ? [{ type: 'stockReserved', payload: { orderId, reservationIds } }] : [];
}

export function decidePaymentAuthorized(state: OrderState, orderId: string, intentId: string): OrderChange[] {
  const order = placedOrder(state, orderId);
  return order.status === 'pending' && !order.paymentAuthorized ? [{ type: 'paymentAuthorized', payload: { orderId, intentId } }] : [];
}

export function decidePaymentCaptured(state: OrderState, orderId: string, intentId: string): OrderChange[] {
  const order = placedOrder(state, orderId);
  return order.status === 'confirmed' && !order.paymentCaptured ? [{ type: 'paymentCaptured', payload: { orderId, intentId } }] : [];
}

export function decideStockCommitted(state: OrderState, orderId: string): OrderChange[] {
  const order = placedOrder(state, orderId);
  return order.status === 'confirmed' && !order.stockCommitted ? [{ type: 'stockCommitted', payload: { orderId } }] : [];
}
