import { sql } from 'drizzle-orm';
import { eraseSubject, holdSubject, type ErasedCounts, type TableData } from '../../../platform/compliance/index.ts';
import { resultRows, type Tx } from '../../../platform/db/index.ts';
import { holdProjections } from '../../../platform/event-sourcing/index.ts';
import { carts, cartLines, erasedCustomers } from '../infrastructure/schema.ts';

/**
 * Erases a customer from ordering (on `identity.user-erased`): their carts and cart lines go; the order read models
 * keep each order (commercial records) under a pseudonym. The order streams (`es_events`, append-only) name the
 * customer only by the pseudonymous user id, which identity no longer links to anyone; `erased_customers` maps it to
 * the pseudonym, which the projections write instead, so a rebuild from the streams does not bring the id back.
 */
export async function eraseCustomer(tx: Tx, data: Record<string, TableData>, customerId: string, erasureId: string): Promise<ErasedCounts> {
  const pseudonym = `erased:${erasureId}`;
  // No projection batch runs meanwhile (one that read `erased_customers` before this commits would write the id back),
  // and rows a running rebuild already copied are pseudonymised in its copy as in the live table.
  const rebuilding = await holdProjections(tx, 'ordering', ['order_list', 'order_detail']);
  // No cart is being opened meanwhile (one not yet committed would be missed), and edits to the customer's carts end
  // first (a line not yet committed would be missed), so every cart and line made before this is erased with it and
  // every later one is refused (createCart reads `erased_customers`).
  await holdSubject(tx, 'ordering', customerId, 'exclusive');
  await tx.insert(erasedCustomers).values({ customerId, pseudonym }).onConflictDoNothing();
  await tx.execute(sql`select 1 from ${carts} where ${carts.customerId} = ${customerId} for update`);
  const lines = await tx.execute(
    sql`delete from ${cartLines} where ${cartLines.cartId} in (select ${carts.id} from ${carts} where ${carts.customerId} = ${customerId}) returning 1`,
  );
  const counts = await eraseSubject(tx, {
    schema: 'ordering',
    data,
    subject: customerId,
    keep: ['order_list', 'order_detail'],
    pseudonym,
  });
  for (const { shadow } of rebuilding) await tx.execute(sql`update ${shadow} set "customer_id" = ${pseudonym} where "customer_id" = ${customerId}`);
  return { ...counts, cart_lines: resultRows(lines).length };
}
