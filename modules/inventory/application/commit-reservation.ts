import { ReservationNotFound, ReservationReleased } from '../domain/errors.ts';
import type { Reservation } from '../domain/stock.ts';
import { findReservation, settleReservation, shipReserved } from '../infrastructure/stock-repository.ts';
import type { InventoryDeps } from './inventory-deps.ts';

/**
 * Commits a reservation: its quantity leaves the books (no longer on hand, no longer reserved), as when the goods
 * ship. Idempotent: committing it again returns it unchanged; a released reservation cannot be committed.
 */
export async function commitReservation(deps: Pick<InventoryDeps, 'transaction'>, reservationId: string): Promise<Reservation> {
  return deps.transaction(async (tx) => {
    const committed = await settleReservation(tx, reservationId, 'committed');
    if (committed) {
      await shipReserved(tx, committed.productId, committed.quantity);
      return committed;
    }
    const existing = await findReservation(tx, reservationId);
    if (!existing || 'tombstone' in existing) throw new ReservationNotFound(reservationId);
    if (existing.status === 'released') throw new ReservationReleased(reservationId);
    return existing;
  });
}
