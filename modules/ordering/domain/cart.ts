import type { Line, Money } from './money.ts';
import { totalOf } from './money.ts';

export type CartStatus = 'open' | 'checked-out';

/** A customer's cart: plain state, not event-sourced; once checked out it names its order and changes no more. */
export interface Cart {
  id: string;
  customerId: string;
  status: CartStatus;
  /** Set by the first line; every other line must be priced in it. */
  currency: string | null;
  orderId: string | null;
  lines: Line[];
  createdAt: Date;
  updatedAt: Date;
}

/** The cart's total, or null while it has no line (and so no currency). */
export function cartTotal(cart: Pick<Cart, 'lines' | 'currency'>): Money | null {
  return cart.currency === null || cart.lines.length === 0 ? null : totalOf(cart.lines, cart.currency);
}

/** Most lines one cart holds: a checkout reserves stock per line, one call each. */
export const maxCartLines = 50;
