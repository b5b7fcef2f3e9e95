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

/** One entity-tag of RFC 9110 §8.8.3: optionally weak (`W/`), then quoted etagc characters. */
const entityTag = /(W\/)?"([!#-~\x80-\xff]*)"/g;

/**
 * Whether an `If-None-Match` value (RFC 9110 §13.1.2: `*` or a list of entity-tags) names the current version, so the
 * answer is 304 Not Modified. The comparison is weak: `W/"v3"` matches version 3 too.
 */
export function notModified(header: string, version: number): boolean {
  if (header.trim() === '*') return true;
  for (const [, , opaque] of header.matchAll(entityTag)) if (opaque === `v${version}`) return true;
  return false;
}

/**
 * The versions an `If-Match` value (RFC 9110 §13.1.1: `*` or a list of entity-tags) accepts: `'any'` for `*`, else
 * the versions its strong tags of this API name (`"v3"`). The comparison is strong, so a weak tag (`W/"v3"`) matches
 * nothing, and neither does a tag this API never issued: an empty list, which no version meets (412).
 */
export function versionsFromIfMatch(header: string): 'any' | number[] {
  if (header.trim() === '*') return 'any';
  const versions: number[] = [];
  for (const [, weak, opaque] of header.matchAll(entityTag)) {
    const version = weak === undefined && opaque !== undefined ? /^v(\d{1,9})$/.exec(opaque) : null;
    if (version) versions.push(Number(version[1]));
  }
  return versions;
}
