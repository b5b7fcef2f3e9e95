import { uuidv7 } from '../../../platform/db/index.ts';
import { orderPlaced } from '../contract/events.ts';
import { CartEmpty, CartNotFound } from '../domain/errors.ts';
import { totalOf } from '../domain/money.ts';
import type { OrderStatus } from '../domain/order.ts';
import { findCart, markCheckedOut } from '../infrastructure/cart-repository.ts';
import { order } from '../infrastructure/order-aggregate.ts';
import { checkoutSaga } from './checkout-saga.ts';
import type { OrderingDeps } from './ordering-deps.ts';

export interface CheckoutAccepted {
  orderId: string;
  status: OrderStatus;
}

/**
 * Places the order of a cart and starts its checkout, in one transaction: the order's first stream event, the
 * `ordering.order-placed` integration event, the cart marked checked out with the order's id, and the saga. The
 * caller answers 202 and the client follows the order. Checking the same cart out again answers the same order.
 */
export async function checkOutCart(deps: OrderingDeps, customerId: string, cartId: string): Promise<CheckoutAccepted> {
  return deps.transaction(async (tx) => {
    // Locked: two checkouts of one cart at once place one order; the second sees it checked out.
    const cart = await findCart(tx, cartId, customerId, { lock: true });
    if (!cart) throw new CartNotFound(cartId);
    if (cart.status === 'checked-out' && cart.orderId) {
      const { state } = await order.load(tx, cart.orderId);
      return { orderId: cart.orderId, status: state.status };
    }
    if (cart.lines.length === 0 || cart.currency === null) throw new CartEmpty(cartId);
    const orderId = uuidv7();
    const lines = cart.lines;
    const total = totalOf(lines, cart.currency);
    await order.append(tx, orderId, 0, [{ type: 'placed', payload: { orderId, customerId, cartId, lines, total } }]);
    await deps.outbox.publish(tx, orderPlaced, { orderId, customerId, lines, total });
    await markCheckedOut(tx, cartId, orderId);
    await deps.sagas.start(tx, checkoutSaga, { orderId }, { id: orderId });
    return { orderId, status: 'pending' };
  });
}
