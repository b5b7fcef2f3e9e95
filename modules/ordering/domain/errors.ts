/** Ordering's domain errors: plain data with a stable code and a kind; no HTTP here. */
type Kind = 'not_found' | 'conflict' | 'invalid' | 'forbidden';

abstract class OrderingError extends Error {
  abstract readonly kind: Kind;
  abstract readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown>) {
    super(message);
    this.details = details;
  }
}

/** Unknown, or another customer's: the two are not told apart, so ids cannot be probed. */
export class CartNotFound extends OrderingError {
  readonly kind = 'not_found';
  readonly code = 'ordering/cart-not-found';
  constructor(cartId: string) {
    super(`Cart ${cartId} does not exist.`, { cartId });
  }
}

export class CartEmpty extends OrderingError {
  readonly kind = 'conflict';
  readonly code = 'ordering/cart-empty';
  constructor(cartId: string) {
    super(`Cart ${cartId} has no lines to check out.`, { cartId });
  }
}

export class CartCheckedOut extends OrderingError {
  readonly kind = 'conflict';
  readonly code = 'ordering/cart-checked-out';
  constructor(cartId: string, orderId: string | null) {
    super(`Cart ${cartId} was checked out (order ${orderId}); start a new cart.`, { cartId, orderId });
  }
}

export class CurrencyMismatch extends OrderingError {
  readonly kind = 'conflict';
  readonly code = 'ordering/currency-mismatch';
  constructor(cartId: string, cartCurrency: string, productCurrency: string) {
    super(`Cart ${cartId} is in ${cartCurrency}; this product is priced in ${productCurrency}.`, { cartId, cartCurrency, productCurrency });
  }
}

/** The product does not exist in the catalog, or is archived: it cannot be put in a cart. */
export class ProductUnavailable extends OrderingError {
  readonly kind = 'conflict';
  readonly code = 'ordering/product-unavailable';
  constructor(productId: string, reason: 'unknown' | 'archived' | 'over-payment-limit' | 'currency-not-payable', detail?: string) {
    super(detail ?? `Product ${productId} cannot be ordered (${reason}).`, { productId, reason });
  }
}

export class OrderNotFound extends OrderingError {
  readonly kind = 'not_found';
  readonly code = 'ordering/order-not-found';
  constructor(orderId: string) {
    super(`Order ${orderId} does not exist.`, { orderId });
  }
}

/** Carts and orders belong to a customer: a token issued to a machine client on its own behalf has none. */
export class CustomerTokenRequired extends OrderingError {
  readonly kind = 'forbidden';
  readonly code = 'ordering/customer-token-required';
  constructor() {
    super('Carts and orders need a token issued to a signed-in customer.', {});
  }
}

/** The customer's account was erased: a token issued before the erasure may still be valid, but opens nothing new. */
export class CustomerErased extends OrderingError {
  readonly kind = 'forbidden';
  readonly code = 'ordering/customer-erased';
  constructor() {
    super('This customer account was erased; no cart can be opened for it.', {});
  }
}

export class InvalidCursor extends OrderingError {
  readonly kind = 'invalid';
  readonly code = 'ordering/invalid-cursor';
  constructor() {
    super('The cursor is not one this API returned.', {});
  }
}

/** A step of the checkout found the order in a state it cannot move from (e.g. confirming a rejected order). */
export class OrderStateConflict extends OrderingError {
  readonly kind = 'conflict';
  readonly code = 'ordering/order-state-conflict';
  constructor(orderId: string, status: string, wanted: string) {
    super(`Order ${orderId} is ${status}; it cannot become ${wanted}.`, { orderId, orderStatus: status, wanted });
  }
}

export class CartFull extends OrderingError {
  readonly kind = 'conflict';
  readonly code = 'ordering/cart-full';
  constructor(cartId: string) {
    super(`Cart ${cartId} holds the most lines a cart may hold.`, { cartId });
  }
}
