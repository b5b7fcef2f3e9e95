import type { Logger } from '../observability/index.ts';
import type { BackoffOptions } from './backoff.ts';
import type { Consumer, EventBus } from './bus.ts';
import { eventType } from './define-event.ts';
import { deliverWithRetries, type DeliveryObserver, type DeliveryOptions } from './delivery.ts';

export interface InProcessBusOptions {
  log: Logger;
  maxAttempts: number;
  retry: BackoffOptions;
  /** Longest one handler attempt may run. */
  handlerTimeoutMs: number;
  /** How long consumers here remember handled events (the host's inbox retention). */
  inboxRetentionMs: number;
  /** Told of each delivery attempt, retry and dead letter (metrics). */
  observe?: DeliveryObserver | undefined;
}

/**
 * The default bus: delivers to consumers in the same process. The outbox is its queue: `publish` resolves only
 * once every consumer has handled the event or dead-lettered it, so the relay marks the row dispatched only then
 * and a crash in between means the event is delivered again (and deduplicated by the inboxes).
 */
export function createInProcessBus(options: InProcessBusOptions): EventBus {
  const consumers = new Map<string, Consumer[]>();
  /** When each consumer subscribed here: in this process, the subscription exists from then until the host stops. */
  const since = new Map<Consumer, string>();
  let closed = false;
  const delivery: DeliveryOptions = { ...options, closing: () => closed };

  return {
    kind: 'in-process',
    subscribe(consumer) {
      const list = consumers.get(consumer.eventType) ?? [];
      if (list.some((c) => c.id === consumer.id)) throw new Error(`Consumer ${consumer.id} is already subscribed to ${consumer.eventType}.`);
      consumers.set(consumer.eventType, [...list, consumer]);
      since.set(consumer, new Date().toISOString());
    },
    async start() {},
    async publish(envelope, publishOptions = {}) {
      const targets = (consumers.get(eventType(envelope)) ?? []).filter((c) => publishOptions.consumer === undefined || c.id === publishOptions.consumer);
      // Consumers are independent: one failing or slow consumer does not hold back the others.
      await Promise.all(targets.map((c) => deliverWithRetries(c, envelope, delivery)));
    },
    async subscriptions() {
      return [...consumers.values()].flat().map((c) => ({
        event: c.event,
        version: c.version,
        consumer: c.id,
        module: c.module,
        partitions: 1,
        inboxRetentionMs: options.inboxRetentionMs,
        registeredAt: since.get(c) as string,
      }));
    },
    inboxRetentionMs: async () => options.inboxRetentionMs,
    routingPaused: undefined,
    routingPausedFor: () => undefined,
    async close() {
      closed = true;
    },
  };
}
