import { ReservationNotFound } from '../domain/errors.ts';
import type { Reservation } from '../domain/stock.ts';
import { findReservation, markReleased, unreserve } from '../infrastructure/stock-repository.ts';
import type { InventoryDeps } from './inventory-deps.ts';

/** Releases a reservation; releasing it again returns it unchanged. */
export async function releaseReservation(deps: Pick<InventoryDeps, 'transaction'>, reservationId: string): Promise<Reservation> {
  return deps.transaction(async (tx) => {
    const released = await markReleased(tx, reservationId);
    if (released) {
      await unreserve(tx, released.productId, released.quantity);
      return released;
    }
    const existing = await findReservation(tx, reservationId);
    if (!existing) throw new ReservationNotFound(reservationId);
    return existing;
  });
}

export async function getReservation(deps: Pick<InventoryDeps, 'db'>, reservationId: string): Promise<Reservation> {
  const existing = await findReservation(deps.db, reservationId);
  if (!existing) throw new ReservationNotFound(reservationId);
  return existing;
}
