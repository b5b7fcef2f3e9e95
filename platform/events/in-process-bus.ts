import type { Logger } from '../observability/index.ts';
import type { BackoffOptions } from './backoff.ts';
import type { Consumer, EventBus } from './bus.ts';
import { eventType } from './define-event.ts';
import { deliverWithRetries, type DeliveryOptions } from './delivery.ts';

export interface InProcessBusOptions {
  log: Logger;
  maxAttempts: number;
  retry: BackoffOptions;
}

/**
 * The default bus: delivers to consumers in the same process. The outbox is its queue: `publish` resolves only
 * once every consumer has handled the event or dead-lettered it, so the relay marks the row dispatched only then
 * and a crash in between means the event is delivered again (and deduplicated by the inboxes).
 */
export function createInProcessBus(options: InProcessBusOptions): EventBus {
  const consumers = new Map<string, Consumer[]>();
  let closed = false;
  const delivery: DeliveryOptions = { ...options, closing: () => closed };

  return {
    subscribe(consumer) {
      const list = consumers.get(consumer.eventType) ?? [];
      if (list.some((c) => c.id === consumer.id)) throw new Error(`Consumer ${consumer.id} is already subscribed to ${consumer.eventType}.`);
      consumers.set(consumer.eventType, [...list, consumer]);
    },
    async publish(envelope) {
      const targets = consumers.get(eventType(envelope)) ?? [];
      // Consumers are independent: one failing or slow consumer does not hold back the others.
      await Promise.all(targets.map((c) => deliverWithRetries(c, envelope, delivery)));
    },
    async close() {
      closed = true;
    },
  };
}
