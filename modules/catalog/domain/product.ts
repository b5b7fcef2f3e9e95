import { InvalidPrice } from './errors.ts';

/** Money in integer minor units (cents for EUR) with an ISO 4217 currency, so no float ever rounds a price. */
export interface Money {
  amount: number;
  currency: string;
}

export type ProductStatus = 'active' | 'archived';

export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: Money;
  status: ProductStatus;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Largest amount that survives JSON and JavaScript numbers exactly. */
const maxAmount = Number.MAX_SAFE_INTEGER;

export function checkPrice(price: Money): Money {
  if (!Number.isSafeInteger(price.amount) || price.amount < 0 || price.amount > maxAmount) {
    throw new InvalidPrice(`A price is a whole, non-negative number of minor units; got ${price.amount}.`);
  }
  if (!/^[A-Z]{3}$/.test(price.currency)) throw new InvalidPrice(`A currency is an ISO 4217 code like EUR; got ${price.currency}.`);
  return price;
}

/** The strong ETag of a product's representation: it changes exactly when the version does. */
export function productEtag(version: number): string {
  return `"v${version}"`;
}

/** Reads the version out of an `If-Match` value (`"v3"` or `W/"v3"`); `undefined` for `*` or anything else. */
export function versionFromIfMatch(header: string): number | 'any' | undefined {
  const value = header.trim();
  if (value === '*') return 'any';
  const match = /^(?:W\/)?"v(\d{1,9})"$/.exec(value);
  return match ? Number(match[1]) : undefined;
}
