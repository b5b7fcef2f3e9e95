import type { Logger } from '../observability/index.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { PermanentDeliveryError, type Consumer, type EventBus } from './bus.ts';
import { eventType } from './define-event.ts';
import type { EventEnvelope } from './envelope.ts';

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

  async function deliverWithRetries(consumer: Consumer, envelope: EventEnvelope): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await consumer.deliver(envelope);
        return;
      } catch (error) {
        const permanent = error instanceof PermanentDeliveryError;
        // Shutting down: leave the event undispatched in the outbox; the next start delivers it again.
        if (closed && !permanent) throw error;
        if (permanent || attempt >= options.maxAttempts) {
          options.log.error({ err: error, eventId: envelope.id, event: envelope.name, consumer: consumer.id, attempts: attempt }, 'event dead-lettered');
          await consumer.deadLetter(envelope, error, attempt);
          return;
        }
        const delay = backoffDelay(attempt, options.retry);
        options.log.warn({ err: error, eventId: envelope.id, event: envelope.name, consumer: consumer.id, attempt, retryInMs: delay }, 'event handler failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  return {
    subscribe(consumer) {
      const list = consumers.get(consumer.eventType) ?? [];
      if (list.some((c) => c.id === consumer.id)) throw new Error(`Consumer ${consumer.id} is already subscribed to ${consumer.eventType}.`);
      consumers.set(consumer.eventType, [...list, consumer]);
    },
    async publish(envelope) {
      const targets = consumers.get(eventType(envelope)) ?? [];
      // Consumers are independent: one failing or slow consumer does not hold back the others.
      await Promise.all(targets.map((c) => deliverWithRetries(c, envelope)));
    },
    async close() {
      closed = true;
    },
  };
}
