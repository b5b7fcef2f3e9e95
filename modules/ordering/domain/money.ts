/** Money in integer minor units (cents for EUR) and its currency's ISO 4217 code. */
export interface Money {
  amount: number;
  currency: string;
}

/** A line of a cart or an order: the product as the catalog described it when it was added, and how many. */
export interface Line {
  productId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: Money;
}

/** What the lines cost together; lines of one cart or order share one currency (the cart refuses others). */
export function totalOf(lines: readonly Line[], currency: string): Money {
  return { amount: lines.reduce((sum, l) => sum + l.unitPrice.amount * l.quantity, 0), currency };
}
