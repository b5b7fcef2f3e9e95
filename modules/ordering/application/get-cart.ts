import type { Cart } from '../domain/cart.ts';
import { CartNotFound } from '../domain/errors.ts';
import { findCart } from '../infrastructure/cart-repository.ts';
import type { OrderingDeps } from './ordering-deps.ts';

/** The customer's cart; another customer's cart answers as unknown. */
export async function getCart(deps: Pick<OrderingDeps, 'db'>, customerId: string, cartId: string): Promise<Cart> {
  const cart = await findCart(deps.db, cartId, customerId);
  if (!cart) throw new CartNotFound(cartId);
  return cart;
}
