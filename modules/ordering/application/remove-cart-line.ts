import type { Cart } from '../domain/cart.ts';
import { CartCheckedOut, CartNotFound } from '../domain/errors.ts';
import { deleteLine, findCart, touchCart } from '../infrastructure/cart-repository.ts';
import type { OrderingDeps } from './ordering-deps.ts';

/** Takes a product out of the cart; taking out one that is not there changes nothing. */
export async function removeCartLine(deps: Pick<OrderingDeps, 'transaction'>, customerId: string, cartId: string, productId: string): Promise<Cart> {
  return deps.transaction(async (tx) => {
    const cart = await findCart(tx, cartId, customerId, { lock: true });
    if (!cart) throw new CartNotFound(cartId);
    if (cart.status !== 'open') throw new CartCheckedOut(cart.id, cart.orderId);
    await deleteLine(tx, cart.id, productId);
    const left = cart.lines.filter((l) => l.productId !== productId);
    await touchCart(tx, cart.id, left.length > 0 ? cart.currency : null);
    return (await findCart(tx, cart.id, customerId)) as Cart;
  });
}
