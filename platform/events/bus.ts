import type { EventEnvelope } from './envelope.ts';

/** One consumer of one event type, as the bus sees it. */
export interface Consumer {
  /** `<module>:<handler>`, unique in the system; the inbox and dead letters are keyed by it. */
  id: string;
  module: string;
  /** `name@vN` of the event it handles. */
  eventType: string;
  /** Handles one delivery in its own transaction, deduplicated through the inbox. Throws to ask for a retry. */
  deliver(envelope: EventEnvelope): Promise<'handled' | 'duplicate'>;
  /** Keeps a delivery that exhausted its attempts. */
  deadLetter(envelope: EventEnvelope, error: unknown, attempts: number): Promise<void>;
}

/** Carries committed events from relays to consumers. In-process by default; BullMQ across processes. */
export interface EventBus {
  subscribe(consumer: Consumer): void;
  /** Resolves once the bus has taken responsibility for the event; rejects to make the relay retry later. */
  publish(envelope: EventEnvelope): Promise<void>;
  close(): Promise<void>;
}

/** An error that no retry can cure (a payload that does not match its schema): dead-lettered at once. */
export class PermanentDeliveryError extends Error {
  override readonly name = 'PermanentDeliveryError';
}
