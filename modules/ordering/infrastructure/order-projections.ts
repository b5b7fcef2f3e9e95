import { sql } from 'drizzle-orm';
import { defineProjection } from '../../../platform/event-sourcing/index.ts';
import { order } from './order-aggregate.ts';
import { erasedCustomers } from './schema.ts';

/** The customer an order's read models name: the erasure's pseudonym once the customer is erased, else their id. */
const customerOf = (customerId: string) =>
  sql`coalesce((select ${erasedCustomers.pseudonym} from ${erasedCustomers} where ${erasedCustomers.customerId} = ${customerId}), ${customerId})`;

const statusOf = { confirmed: 'confirmed', rejected: 'rejected', completed: 'completed' } as const;

/**
 * `order_list`: one row per order for a customer's list, newest first. The unique key on (customer, placed_at, id)
 * is the index the list's keyset pagination reads.
 */
export const orderList = defineProjection({
  name: 'order-list',
  version: 1,
  from: [order],
  tables: {
    order_list: `"id" uuid PRIMARY KEY, "customer_id" text NOT NULL, "status" text NOT NULL, "total_amount" bigint NOT NULL,
      "currency" text NOT NULL, "line_count" integer NOT NULL, "placed_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL,
      "version" integer NOT NULL, UNIQUE ("customer_id", "placed_at", "id")`,
  },
  data: {
    order_list: {
      classification: 'personal',
      subject: 'customer_id',
      // Aged by the last event handled: gone when its order's stream goes (ten years after that event).
      retention: '10y',
      agedBy: 'updated_at',
      legalBasis: 'Contract and legal obligation to keep commercial records (GDPR Art. 6(1)(b), 6(1)(c)).',
      columns: { customer_id: { category: 'personal', protection: 'plain' } },
    },
  },
  async handle(tx, event, { order_list: t }) {
    if (event.type === 'placed') {
      const p = event.payload;
      await tx.execute(sql`insert into ${t} ("id", "customer_id", "status", "total_amount", "currency", "line_count", "placed_at", "updated_at", "version")
        values (${p.orderId}, ${customerOf(p.customerId)}, 'pending', ${p.total.amount}, ${p.total.currency}, ${p.lines.length}, ${event.at.toISOString()}::timestamptz, ${event.at.toISOString()}::timestamptz, ${event.version})
        on conflict ("id") do nothing`);
      return;
    }
    const status = event.type in statusOf ? statusOf[event.type as keyof typeof statusOf] : null;
    await tx.execute(
      sql`update ${t} set "status" = coalesce(${status}::text, "status"), "updated_at" = ${event.at.toISOString()}::timestamptz, "version" = ${event.version}
        where "id" = ${event.streamId} and "version" < ${event.version}`,
    );
  },
});

/** `order_detail`: an order's lines, total, status, rejection reason and the history of its status, for its page. */
export const orderDetail = defineProjection({
  name: 'order-detail',
  version: 1,
  from: [order],
  tables: {
    order_detail: `"id" uuid PRIMARY KEY, "customer_id" text NOT NULL, "cart_id" uuid NOT NULL, "status" text NOT NULL,
      "lines" jsonb NOT NULL, "total_amount" bigint NOT NULL, "currency" text NOT NULL, "reason_code" text, "reason_message" text,
      "history" jsonb NOT NULL, "placed_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "version" integer NOT NULL`,
  },
  data: {
    order_detail: {
      classification: 'personal',
      subject: 'customer_id',
      // Aged by the last event handled: gone when its order's stream goes (ten years after that event).
      retention: '10y',
      agedBy: 'updated_at',
      legalBasis: 'Contract and legal obligation to keep commercial records (GDPR Art. 6(1)(b), 6(1)(c)).',
      columns: { customer_id: { category: 'personal', protection: 'plain' } },
    },
  },
  async handle(tx, event, { order_detail: t }) {
    if (event.type === 'placed') {
      const p = event.payload;
      const history = JSON.stringify([{ status: 'pending', at: event.at.toISOString() }]);
      await tx.execute(sql`insert into ${t} ("id", "customer_id", "cart_id", "status", "lines", "total_amount", "currency", "history", "placed_at", "updated_at", "version")
        values (${p.orderId}, ${customerOf(p.customerId)}, ${p.cartId}, 'pending', ${JSON.stringify(p.lines)}::jsonb, ${p.total.amount}, ${p.total.currency},
          ${history}::jsonb, ${event.at.toISOString()}::timestamptz, ${event.at.toISOString()}::timestamptz, ${event.version})
        on conflict ("id") do nothing`);
      return;
    }
    const status = event.type in statusOf ? statusOf[event.type as keyof typeof statusOf] : null;
    const change = status === null ? sql`"history"` : sql`"history" || ${JSON.stringify([{ status, at: event.at.toISOString() }])}::jsonb`;
    const reason = event.type === 'rejected' ? event.payload.reason : null;
    await tx.execute(
      sql`update ${t} set "status" = coalesce(${status}::text, "status"), "history" = ${change},
        "reason_code" = coalesce(${reason?.code ?? null}::text, "reason_code"), "reason_message" = coalesce(${reason?.message ?? null}::text, "reason_message"),
        "updated_at" = ${event.at.toISOString()}::timestamptz, "version" = ${event.version}
        where "id" = ${event.streamId} and "version" < ${event.version}`,
    );
  },
});
