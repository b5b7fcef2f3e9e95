/** Stock of one product. `available` is derived: what is on hand and not reserved; it is never negative. */
export interface StockItem {
  productId: string;
  sku: string;
  onHand: number;
  reserved: number;
  active: boolean;
  updatedAt: Date;
}

export type ReservationStatus = 'active' | 'released' | 'committed';

export interface Reservation {
  id: string;
  productId: string;
  quantity: number;
  status: ReservationStatus;
  createdAt: Date;
  releasedAt: Date | null;
  committedAt: Date | null;
}

/** The most a stock item counts on hand: its column is a PostgreSQL integer. */
export const maxOnHand = 2_147_483_647;

export function available(item: Pick<StockItem, 'onHand' | 'reserved'>): number {
  return item.onHand - item.reserved;
}

/** A repeated reservation is the same request only if it asks for the same product and quantity. */
export function sameReservation(existing: Reservation, productId: string, quantity: number): boolean {
  return existing.productId === productId && existing.quantity === quantity;
}
