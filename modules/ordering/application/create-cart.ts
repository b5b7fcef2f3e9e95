import { uuidv7 } from '../../../platform/db/index.ts';
import type { Cart } from '../domain/cart.ts';
import { CustomerErased } from '../domain/errors.ts';
import { insertCart } from '../infrastructure/cart-repository.ts';
import { holdSubject } from '../../../platform/compliance/index.ts';
import { isErased } from '../infrastructure/erased-customers.ts';
import type { OrderingDeps } from './ordering-deps.ts';

/**
 * Opens an empty cart for the customer, unless the customer was erased: an access token issued before the erasure
 * stays valid until it expires, and would otherwise bring personal data back after the erasure ran. The check and the
 * insert hold the customer against a concurrent erasure, which would miss a cart it cannot see yet.
 */
export function createCart(deps: Pick<OrderingDeps, 'transaction'>, customerId: string): Promise<Cart> {
  return deps.transaction(async (tx) => {
    await holdSubject(tx, 'ordering', customerId, 'shared');
    if (await isErased(tx, customerId)) throw new CustomerErased();
    return insertCart(tx, { id: uuidv7(), customerId });
  });
}
