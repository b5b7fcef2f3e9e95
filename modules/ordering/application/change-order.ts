import type { Tx } from '../../../platform/db/index.ts';
import { streamVersionConflict } from '../../../platform/event-sourcing/index.ts';
import { isDomainError } from '../../../platform/http/index.ts';
import type { ModuleContext } from '../../../platform/host/index.ts';
import { orderCompleted, orderConfirmed, orderRejected } from '../contract/events.ts';
import type { OrderChange } from '../domain/order-decisions.ts';
import { evolveOrder, type OrderEvent, type OrderState } from '../domain/order.ts';
import { order } from '../infrastructure/order-aggregate.ts';

type Deps = Pick<ModuleContext, 'transaction' | 'outbox'>;

/** Publishes what other modules learn of a change (status changes only), in the append's transaction. */
async function publishIntegrationEvents(deps: Deps, tx: Tx, state: OrderState, changes: readonly OrderChange[]): Promise<void> {
  const { orderId, customerId, lines, total } = state;
  for (const change of changes) {
    if (change.type === 'confirmed') await deps.outbox.publish(tx, orderConfirmed, { orderId, customerId, lines, total });
    if (change.type === 'rejected') await deps.outbox.publish(tx, orderRejected, { orderId, customerId, total, reason: change.payload.reason });
    if (change.type === 'completed') await deps.outbox.publish(tx, orderCompleted, { orderId, customerId, total });
  }
}

/**
 * Loads the order, decides, and appends what was decided with the integration events it implies, in one transaction.
 * A concurrent append (optimistic concurrency on the stream version) is answered by loading and deciding again; the
 * decisions are idempotent by state, so the second decision sees what the first one did.
 */
export async function changeOrder(deps: Deps, orderId: string, decide: (state: OrderState) => OrderChange[]): Promise<OrderState> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.transaction(async (tx) => {
        const { state, version } = await order.load(tx, orderId);
        const changes = decide(state);
        if (changes.length === 0) return state;
        await order.append(tx, orderId, version, changes);
        await publishIntegrationEvents(deps, tx, state, changes);
        const at = new Date();
        return changes.reduce((s, c) => evolveOrder(s, { ...c, at } as OrderEvent), state);
      });
    } catch (error) {
      if (attempt >= 3 || !isDomainError(error) || error.code !== streamVersionConflict) throw error;
    }
  }
}
