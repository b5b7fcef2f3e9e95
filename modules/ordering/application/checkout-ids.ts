import { createHash } from 'node:crypto';

/**
 * A name-based UUID (RFC 9562 version 8, SHA-256 of the parts): the same parts give the same id on every attempt and
 * after every restart, so a retried saga step reuses the reservation or payment intent it may already have made.
 */
function derivedUuid(...parts: string[]): string {
  const bytes = createHash('sha256').update(parts.join('\u0000')).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The inventory reservation of one line of an order. */
export const reservationIdOf = (orderId: string, productId: string) => derivedUuid('cleave.ordering.reservation', orderId, productId);

/** The payment intent of an order. */
export const paymentIntentIdOf = (orderId: string) => derivedUuid('cleave.ordering.payment', orderId);
