import { isCurrencyCode, isDomainError, maxMoneyAmount } from '../../../platform/http/index.ts';
import { maxCartLines, type Cart } from '../domain/cart.ts';
import { CartCheckedOut, CartFull, CartNotFound, CurrencyMismatch, ProductUnavailable } from '../domain/errors.ts';
import { totalOf } from '../domain/money.ts';
import { findCart, touchCart, upsertLine } from '../infrastructure/cart-repository.ts';
import type { OrderingDeps } from './ordering-deps.ts';

export interface SetCartLineInput {
  cartId: string;
  productId: string;
  quantity: number;
}

/**
 * The product as the catalog sells it now; unknown and archived products cannot be ordered, nor one priced in a
 * currency payments does not take (stored before the catalog accepted only codes in use).
 */
async function productToOrder(deps: Pick<OrderingDeps, 'catalog'>, productId: string) {
  try {
    const { body } = await deps.catalog.getProduct({ params: { id: productId } });
    if (body.status !== 'active') throw new ProductUnavailable(productId, 'archived');
    const { currency } = body.price;
    if (!isCurrencyCode(currency))
      throw new ProductUnavailable(
        productId,
        'currency-not-payable',
        `Product ${productId} is priced in ${currency}, which is not an ISO 4217 code in use; it cannot be paid for.`,
      );
    return body;
  } catch (error) {
    if (isDomainError(error) && error.code === 'catalog/product-not-found') throw new ProductUnavailable(productId, 'unknown');
    throw error;
  }
}

/**
 * Puts a product in the cart at `quantity` (replacing the quantity it had), with the name, SKU and price the catalog
 * gives now. The catalog is asked before the cart is locked, so no lock is held across the call.
 */
export async function setCartLine(deps: OrderingDeps, customerId: string, input: SetCartLineInput): Promise<Cart> {
  const product = await productToOrder(deps, input.productId);
  return deps.transaction(async (tx) => {
    const cart = await findCart(tx, input.cartId, customerId, { lock: true });
    if (!cart) throw new CartNotFound(input.cartId);
    if (cart.status !== 'open') throw new CartCheckedOut(cart.id, cart.orderId);
    // The line being replaced does not count: a cart's only product, repriced in another currency, is put back at its
    // new price rather than refused as a mismatch with itself.
    const others = cart.lines.filter((l) => l.productId !== input.productId);
    const currency = others.length > 0 ? cart.currency : null;
    if (currency !== null && currency !== product.price.currency) throw new CurrencyMismatch(cart.id, currency, product.price.currency);
    const isNew = others.length === cart.lines.length;
    if (isNew && cart.lines.length >= maxCartLines) throw new CartFull(cart.id);
    const total = totalOf(others, product.price.currency).amount + product.price.amount * input.quantity;
    // Payments refuses a larger amount, so such a cart could never be paid for: its line is refused when it is put in.
    if (total > maxMoneyAmount)
      throw new ProductUnavailable(
        product.id,
        'over-payment-limit',
        `${input.quantity} × ${product.price.amount} would bring cart ${cart.id} to ${total} ${product.price.currency} minor units; one payment may be at most ${maxMoneyAmount}.`,
      );
    await upsertLine(tx, cart.id, { productId: product.id, sku: product.sku, name: product.name, quantity: input.quantity, unitPrice: product.price });
    await touchCart(tx, cart.id, product.price.currency);
    return (await findCart(tx, cart.id, customerId)) as Cart;
  });
}
