import { inventoryContract } from '../../inventory/index.ts';
import { decideStockCommitted, decideStockReserved } from '../domain/order-decisions.ts';
import { changeOrder } from './change-order.ts';
import { reservationIdOf } from './checkout-ids.ts';
import { loadPlacedOrder, refusedWith, type CheckoutStep, type CheckoutUndo } from './checkout-context.ts';

/**
 * `reserve-stock`: one reservation per line, its id derived from the order and the product, so a retry (same ids, same
 * idempotency key) reserves nothing twice. Reserved lines of a failed attempt are released by the compensation.
 */
export async function reserveOrderStock({ context, input, idempotencyKey, signal }: CheckoutStep): Promise<{ reservationIds: string[] }> {
  const state = await loadPlacedOrder(context, input.orderId);
  const inventory = context.client(inventoryContract);
  const reservationIds: string[] = [];
  for (const line of state.lines) {
    const reservationId = reservationIdOf(input.orderId, line.productId);
    await inventory.reserveStock({ params: { reservationId }, body: { productId: line.productId, quantity: line.quantity } }, { idempotencyKey, signal });
    reservationIds.push(reservationId);
  }
  // An attempt that outlived its timeout must not record anything: the saga may be undoing it already.
  signal.throwIfAborted();
  await changeOrder(context, input.orderId, (s) => decideStockReserved(s, input.orderId, reservationIds));
  return { reservationIds };
}

/**
 * Releases every line's reservation, made or not: releasing an id inventory never saw answers 404 and leaves a
 * tombstone, so a reservation still in flight is refused when it lands.
 */
export async function releaseOrderStock({ context, input, idempotencyKey, signal }: CheckoutUndo): Promise<void> {
  const state = await loadPlacedOrder(context, input.orderId);
  const inventory = context.client(inventoryContract);
  for (const line of state.lines) {
    const reservationId = reservationIdOf(input.orderId, line.productId);
    try {
      await inventory.releaseReservation({ params: { reservationId } }, { idempotencyKey, signal });
    } catch (error) {
      if (!refusedWith(error, 'inventory/reservation-not-found')) throw error;
    }
  }
}

/**
 * `commit-stock`, after the point of no return: the reserved units leave the warehouse's books. Idempotent by
 * reservation at inventory, so no step key is sent (a refusal stored under it would be replayed on every retry).
 */
export async function commitOrderStock({ context, input, signal }: CheckoutStep): Promise<{ committed: number }> {
  const state = await loadPlacedOrder(context, input.orderId);
  const inventory = context.client(inventoryContract);
  for (const line of state.lines) {
    const reservationId = reservationIdOf(input.orderId, line.productId);
    await inventory.commitReservation({ params: { reservationId } }, { signal });
  }
  await changeOrder(context, input.orderId, (s) => decideStockCommitted(s, input.orderId));
  return { committed: state.lines.length };
}
