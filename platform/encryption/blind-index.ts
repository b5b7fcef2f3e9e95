import { createHmac, hkdfSync } from 'node:crypto';

/**
 * A keyed hash (blind index) of a field, for equality lookups on a value stored only encrypted: HMAC-SHA-256 under a
 * key derived (HKDF-SHA-256) from the module's index key for this one column, so equal values in two columns do not
 * match each other. It reveals which rows hold equal values, nothing else; no prefix, range or fuzzy search.
 */
export function blindIndex(indexKey: Uint8Array, column: string, normalised: string): string {
  return blindIndexWith(columnIndexKey(indexKey, column), normalised);
}

/** The key of one column's blind index, derived from the module's index key (worth keeping: HKDF is the slow part). */
export function columnIndexKey(indexKey: Uint8Array, column: string): Uint8Array {
  return Buffer.from(hkdfSync('sha256', indexKey, Buffer.alloc(0), `cleave blind index|${column}`, 32));
}

/** The blind index of a normalised value under a column's own key (`columnIndexKey`). */
export function blindIndexWith(columnKey: Uint8Array, normalised: string): string {
  return createHmac('sha256', columnKey).update(normalised, 'utf8').digest('base64url');
}

/** An e-mail address as its blind index sees it: trimmed and lower-cased (Unicode NFC), so `A@x.org ` finds `a@x.org`. */
export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}
