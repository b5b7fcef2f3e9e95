import type { Tx } from '../db/index.ts';
import type { Logger } from '../observability/index.ts';
import type { EventDefinition, EventPayload } from './define-event.ts';
import type { EventEnvelope } from './envelope.ts';

export interface HandlerTools<E extends EventDefinition> {
  /** The consumer's transaction: its effects and its inbox record commit together. */
  tx: Tx;
  envelope: EventEnvelope<EventPayload<E>>;
  /** Carries the event id, name and consumer on every line. */
  log: Logger;
}

/** A module's handler for one event type (and version). */
export interface Subscription<E extends EventDefinition = EventDefinition> {
  event: E;
  /** Names the handler inside its module; `<module>:<handler>` is the consumer id. */
  handler: string;
  handle(payload: EventPayload<E>, tools: HandlerTools<E>): Promise<void>;
}

/**
 * Declares a handler for an event, for a module's `subscriptions`.
 *
 * @example
 * subscribe(productCreated, 'create-stock-item', async (payload, { tx }) => createStockItem(tx, payload));
 */
export function subscribe<E extends EventDefinition>(event: E, handler: string, handle: Subscription<E>['handle']): Subscription<E> {
  if (!/^[a-z][a-z0-9-]*$/.test(handler)) throw new Error(`Handler name "${handler}" must be lower-case kebab-case.`);
  return { event, handler, handle };
}
