import { sql } from 'drizzle-orm';
import { resultRows, type Executor } from '../../../platform/db/index.ts';
import type { Line } from '../domain/money.ts';
import type { OrderStatus, RejectionReason, StatusChange } from '../domain/order.ts';

/** An order as its customer's list shows it (the `order-list` read model). */
export interface OrderSummary {
  id: string;
  status: OrderStatus;
  total: { amount: number; currency: string };
  lineCount: number;
  placedAt: Date;
  updatedAt: Date;
}

/** An order's page (the `order-detail` read model, or the same folded from its stream). */
export interface OrderDetail extends OrderSummary {
  customerId: string;
  cartId: string;
  lines: Line[];
  reason: RejectionReason | null;
  history: StatusChange[];
  version: number;
}

const date = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

/** A page of the customer's orders, newest first, after the keyset position `before` (placed time, then id). */
export async function listOrderSummaries(
  db: Executor,
  customerId: string,
  options: { before?: { placedAt: Date; id: string } | undefined; limit: number },
): Promise<OrderSummary[]> {
  const after = options.before ? sql`and ("placed_at", "id") < (${options.before.placedAt.toISOString()}::timestamptz, ${options.before.id}::uuid)` : sql``;
  const rows = resultRows<Record<string, unknown>>(
    await db.execute(sql`select "id", "status", "total_amount", "currency", "line_count", "placed_at", "updated_at" from "ordering"."order_list"
      where "customer_id" = ${customerId} ${after} order by "placed_at" desc, "id" desc limit ${options.limit}`),
  );
  return rows.map((r) => ({
    id: String(r.id),
    status: r.status as OrderStatus,
    total: { amount: Number(r.total_amount), currency: String(r.currency) },
    lineCount: Number(r.line_count),
    placedAt: date(r.placed_at),
    updatedAt: date(r.updated_at),
  }));
}

/** The customer's order from the detail read model; undefined when it is another's, or not projected yet. */
export async function findOrderDetail(db: Executor, orderId: string, customerId: string): Promise<OrderDetail | undefined> {
  const [r] = resultRows<Record<string, unknown>>(
    await db.execute(sql`select * from "ordering"."order_detail" where "id" = ${orderId} and "customer_id" = ${customerId}`),
  );
  if (!r) return undefined;
  const lines = json<Line[]>(r.lines);
  const history = json<{ status: OrderStatus; at: string }[]>(r.history).map((h) => ({ status: h.status, at: new Date(h.at) }));
  return {
    id: String(r.id),
    customerId: String(r.customer_id),
    cartId: String(r.cart_id),
    status: r.status as OrderStatus,
    lines,
    total: { amount: Number(r.total_amount), currency: String(r.currency) },
    lineCount: lines.length,
    reason: r.reason_code ? { code: String(r.reason_code), message: String(r.reason_message ?? '') } : null,
    history,
    placedAt: date(r.placed_at),
    updatedAt: date(r.updated_at),
    version: Number(r.version),
  };
}
