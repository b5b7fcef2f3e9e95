import { paymentIntentIdOf } from './checkout-ids.ts';
import { OrderNotFound } from '../domain/errors.ts';
import { order } from '../infrastructure/order-aggregate.ts';
import { isErased } from '../infrastructure/erased-customers.ts';
import { findOrderDetail, type OrderDetail } from '../infrastructure/order-read-repository.ts';
import type { OrderingDeps } from './ordering-deps.ts';

export type OrderView = OrderDetail & { source: 'read-model' | 'stream'; paymentIntentId: string | null };

const intentOf = (o: OrderDetail) => (o.total.amount > 0 ? paymentIntentIdOf(o.id) : null);

/**
 * The customer's order from the `order-detail` read model. Right after checkout the model may not hold it yet: the
 * order is then folded from its stream, so its URL never answers 404 in between. Another customer's order is not found,
 * nor an erased customer's: the stream still names them by id (their read-model rows carry the pseudonym), so a token
 * issued before the erasure would otherwise read it back.
 */
export async function getOrder(deps: Pick<OrderingDeps, 'db'>, customerId: string, orderId: string): Promise<OrderView> {
  const projected = await findOrderDetail(deps.db, orderId, customerId);
  if (projected) return { ...projected, source: 'read-model', paymentIntentId: intentOf(projected) };
  const { state, version } = await order.load(deps.db, orderId);
  if (!state.placed || state.customerId !== customerId || !state.placedAt || (await isErased(deps.db, customerId))) throw new OrderNotFound(orderId);
  const folded: OrderDetail = {
    id: state.orderId,
    customerId: state.customerId,
    cartId: state.cartId,
    status: state.status,
    lines: state.lines,
    total: state.total,
    lineCount: state.lines.length,
    reason: state.reason,
    history: state.history,
    placedAt: state.placedAt,
    updatedAt: state.updatedAt ?? state.placedAt,
    version,
  };
  return { ...folded, source: 'stream', paymentIntentId: intentOf(folded) };
}
