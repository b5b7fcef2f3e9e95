import { InsufficientStock, ProductNotStockable, ReservationConflict, ReservationReleased, StockItemNotFound } from '../domain/errors.ts';
import { available, sameReservation, type Reservation } from '../domain/stock.ts';
import { findStockItem, insertReservation, reserveIfAvailable } from '../infrastructure/stock-repository.ts';
import type { InventoryDeps } from './inventory-deps.ts';

export interface ReserveStockInput {
  reservationId: string;
  productId: string;
  quantity: number;
}

/**
 * Reserves stock. Idempotent by reservation id: repeating the same request returns the existing reservation
 * (`created: false`) and changes nothing; the same id for a different product or quantity is a conflict. An id
 * released before it was ever reserved (a tombstone) is refused: the release compensated this very request.
 */
export async function reserveStock(
  deps: Pick<InventoryDeps, 'transaction'>,
  input: ReserveStockInput,
): Promise<{ reservation: Reservation; created: boolean }> {
  return deps.transaction(async (tx) => {
    // The insert comes first: a concurrent duplicate waits on the id's unique index, then sees this one.
    const { reservation, created } = await insertReservation(tx, { id: input.reservationId, productId: input.productId, quantity: input.quantity });
    if ('tombstone' in reservation) throw new ReservationReleased(input.reservationId);
    if (!created) {
      if (!sameReservation(reservation, input.productId, input.quantity)) throw new ReservationConflict(input.reservationId);
      return { reservation, created };
    }
    const item = await reserveIfAvailable(tx, input.productId, input.quantity);
    if (!item) {
      const current = await findStockItem(tx, input.productId);
      if (!current) throw new StockItemNotFound(input.productId);
      if (!current.active) throw new ProductNotStockable(input.productId);
      throw new InsufficientStock(input.productId, input.quantity, available(current));
    }
    return { reservation, created };
  });
}
