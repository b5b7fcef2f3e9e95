import type { Tx } from '../db/index.ts';
import type { Logger } from '../observability/index.ts';
import type { EventDefinition, EventPayload } from './define-event.ts';
import type { EventEnvelope } from './envelope.ts';

export interface HandlerTools<E extends EventDefinition, C = unknown> {
  /** The consumer's transaction: its effects and its inbox record commit together. */
  tx: Tx;
  envelope: EventEnvelope<EventPayload<E>>;
  /** Carries the event id, name and consumer on every line. */
  log: Logger;
  /** What the host gives the consuming module (its `ModuleContext`). */
  context: C;
  /** Aborts when the handler deadline passes; pass it to calls that accept one (fetch, module clients). */
  signal: AbortSignal;
}

/** A module's handler for one event type (and version). */
export interface Subscription<E extends EventDefinition = EventDefinition, C = unknown> {
  event: E;
  /** Names the handler inside its module; `<module>:<handler>` is the consumer id. */
  handler: string;
  handle(payload: EventPayload<E>, tools: HandlerTools<E, C>): Promise<void>;
}

/**
 * Declares a handler for an event, for a module's `subscriptions`. Declarations are static, so every process knows
 * every module's consumers (the BullMQ relay fans out to them even when they run elsewhere).
 *
 * @example
 * subscribe(productCreated, 'create-stock-item', async (payload, { tx }) => createStockItem(tx, payload));
 */
export function subscribe<E extends EventDefinition, C = unknown>(event: E, handler: string, handle: Subscription<E, C>['handle']): Subscription<E, C> {
  if (!/^[a-z][a-z0-9-]*$/.test(handler)) throw new Error(`Handler name "${handler}" must be lower-case kebab-case.`);
  return { event, handler, handle };
}
