import { Buffer } from 'node:buffer';
import { InvalidCursor } from '../domain/errors.ts';
import { listOrderSummaries, type OrderSummary } from '../infrastructure/order-read-repository.ts';
import type { OrderingDeps } from './ordering-deps.ts';

export interface OrderPage {
  items: OrderSummary[];
  nextCursor: string | null;
}

/**
 * The customer's orders from the `order-list` read model, newest first, a page at a time. The cursor is the last
 * order's (placed time, id): stable while new orders arrive. The model follows the streams within moments; an order
 * placed a moment ago may not be listed yet (its own URL answers at once).
 */
export async function listOrders(
  deps: Pick<OrderingDeps, 'db'>,
  customerId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<OrderPage> {
  const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const rows = await listOrderSummaries(deps.db, customerId, { before, limit: query.limit + 1 });
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
}

function encodeCursor(last: OrderSummary): string {
  return Buffer.from(`${last.placedAt.toISOString()}|${last.id}`, 'utf8').toString('base64url');
}

// Exactly what encodeCursor writes: an ISO instant of years 0001 to 9999 and a lower-case UUID. Anything looser reaches
// PostgreSQL's casts and fails there (500) instead of answering 422: 36 dashes as the id, a year such as +020000 or 0000.
const cursorText = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

function decodeCursor(cursor: string): { placedAt: Date; id: string } {
  const [, at = '', id = ''] = cursorText.exec(Buffer.from(cursor, 'base64url').toString('utf8')) ?? [];
  const placedAt = new Date(at);
  // The round trip refuses a date that does not exist (2026-02-30) and year 0000, which PostgreSQL has no place for.
  if (!id || Number.isNaN(placedAt.getTime()) || placedAt.toISOString() !== at || at.startsWith('0000')) throw new InvalidCursor();
  return { placedAt, id };
}
