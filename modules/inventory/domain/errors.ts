/** Inventory's domain errors: plain data with a stable code and a kind; no HTTP here. */
type Kind = 'not_found' | 'conflict' | 'invalid';

abstract class InventoryError extends Error {
  abstract readonly kind: Kind;
  abstract readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown>) {
    super(message);
    this.details = details;
  }
}

export class StockItemNotFound extends InventoryError {
  readonly kind = 'not_found';
  readonly code = 'inventory/stock-item-not-found';
  constructor(productId: string) {
    super(`No stock is kept for product ${productId}.`, { productId });
  }
}

export class InsufficientStock extends InventoryError {
  readonly kind = 'conflict';
  readonly code = 'inventory/insufficient-stock';
  constructor(productId: string, requested: number, available: number) {
    super(`Only ${available} of product ${productId} available; ${requested} requested.`, { productId, requested, available });
  }
}

export class ReservationNotFound extends InventoryError {
  readonly kind = 'not_found';
  readonly code = 'inventory/reservation-not-found';
  constructor(reservationId: string) {
    super(`Reservation ${reservationId} does not exist.`, { reservationId });
  }
}

export class ReservationConflict extends InventoryError {
  readonly kind = 'conflict';
  readonly code = 'inventory/reservation-conflict';
  constructor(reservationId: string) {
    super(`Reservation ${reservationId} already exists with a different product or quantity.`, { reservationId });
  }
}

export class ProductNotStockable extends InventoryError {
  readonly kind = 'conflict';
  readonly code = 'inventory/product-archived';
  constructor(productId: string) {
    super(`Product ${productId} is archived; its stock cannot be received or reserved.`, { productId });
  }
}

export class StockLimitExceeded extends InventoryError {
  readonly kind = 'conflict';
  readonly code = 'inventory/stock-limit-exceeded';
  constructor(productId: string, onHand: number, quantity: number, limit: number) {
    super(`Product ${productId} has ${onHand} on hand; ${quantity} more would exceed the ${limit} a stock item can count.`, {
      productId,
      onHand,
      quantity,
      limit,
    });
  }
}

export class ReservationReleased extends InventoryError {
  readonly kind = 'conflict';
  readonly code = 'inventory/reservation-released';
  constructor(reservationId: string) {
    super(`Reservation ${reservationId} was released; it cannot be made or committed again.`, { reservationId });
  }
}
