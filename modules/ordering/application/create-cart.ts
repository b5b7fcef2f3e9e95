import { uuidv7 } from '../../../platform/db/index.ts';
import type { Cart } from '../domain/cart.ts';
import { insertCart } from '../infrastructure/cart-repository.ts';
import type { OrderingDeps } from './ordering-deps.ts';

/** Opens an empty cart for the customer. */
export function createCart(deps: Pick<OrderingDeps, 'db'>, customerId: string): Promise<Cart> {
  return insertCart(deps.db, { id: uuidv7(), customerId });
}
