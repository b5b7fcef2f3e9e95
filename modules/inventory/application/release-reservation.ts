import { ReservationNotFound } from '../domain/errors.ts';
import type { Reservation } from '../domain/stock.ts';
import { findReservation, insertTombstone, settleReservation, unreserve } from '../infrastructure/stock-repository.ts';
import type { InventoryDeps } from './inventory-deps.ts';

/**
 * Releases a reservation; releasing it again (or once it is committed) returns it unchanged. Releasing an id
 * inventory has never seen answers not-found and leaves a tombstone, so a reservation with that id still in flight
 * (the request a saga is compensating) is refused when it arrives instead of holding stock nobody will release.
 */
export async function releaseReservation(deps: Pick<InventoryDeps, 'transaction'>, reservationId: string): Promise<Reservation> {
  const outcome = await deps.transaction(async (tx) => {
    // Two passes at most: the tombstone's insert waits on the id's key for a reservation still in flight; if that
    // reservation commits, the second pass (new statements, so they see it) releases it instead of answering
    // not-found and leaving its stock reserved for ever.
    for (let pass = 0; pass < 2; pass += 1) {
      const released = await settleReservation(tx, reservationId, 'released');
      if (released) {
        await unreserve(tx, released.productId, released.quantity);
        return released;
      }
      const existing = await findReservation(tx, reservationId);
      if (existing) return 'tombstone' in existing ? undefined : existing;
      if (await insertTombstone(tx, reservationId)) return undefined;
    }
    throw new Error(`Reservation ${reservationId} neither released nor tombstoned after a concurrent insert.`);
  });
  // Thrown after the commit: the tombstone must stay.
  if (!outcome) throw new ReservationNotFound(reservationId);
  return outcome;
}

export async function getReservation(deps: Pick<InventoryDeps, 'db'>, reservationId: string): Promise<Reservation> {
  const existing = await findReservation(deps.db, reservationId);
  if (!existing || 'tombstone' in existing) throw new ReservationNotFound(reservationId);
  return existing;
}
