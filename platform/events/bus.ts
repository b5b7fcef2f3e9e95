import type { EventEnvelope } from './envelope.ts';
import type { SubscriptionEntry } from './subscription-table.ts';

/** One consumer of one event type, as the bus sees it. */
export interface Consumer {
  /** `<module>:<handler>`, unique in the system; the inbox and dead letters are keyed by it. */
  id: string;
  module: string;
  /** Name and version of the event it handles. */
  event: string;
  version: number;
  /** `name@vN` of the event it handles. */
  eventType: string;
  /**
   * Handles one delivery in its own transaction, deduplicated through the inbox. Throws to ask for a retry. When
   * `signal` aborts (the handler deadline passed), the transaction is rolled back and the delivery fails.
   */
  deliver(envelope: EventEnvelope, signal?: AbortSignal): Promise<'handled' | 'duplicate'>;
  /** Keeps a delivery that exhausted its attempts. */
  deadLetter(envelope: EventEnvelope, error: unknown, attempts: number): Promise<void>;
}

export interface PublishOptions {
  /** Deliver to this consumer only (a redrive), not to every subscriber. */
  consumer?: string;
}

/** Whether the broker still holds one delivery (queued, in progress, done or failed), or has no trace of it. */
export interface DeliveryRecord {
  eventId: string;
  event: string;
  version: number;
  consumer: string;
  present: boolean;
}

/** What the producer knows that the broker may have forgotten. */
export interface AuditContext {
  /**
   * When the producer dispatched the oldest event it still keeps. A subscription table created after that was lost and
   * re-created, so the registration times in it do not say since when a subscription was owed events.
   */
  firstDispatchedAt?: Date;
}

/** How many jobs of one consuming module's queue (all its partitions) are in one state. */
export interface QueueDepth {
  module: string;
  state: 'waiting' | 'active' | 'delayed' | 'failed';
  count: number;
}

/** Carries committed events from relays to consumers. In-process by default; BullMQ across processes. */
export interface EventBus {
  readonly kind: 'in-process' | 'bullmq';
  /** Adds a consumer hosted in this process; all of them are subscribed before `start`. */
  subscribe(consumer: Consumer): void;
  /** Registers this process's subscriptions where publishers route by them, and starts consuming. */
  start(): Promise<void>;
  /** Resolves once the bus has taken responsibility for the event; rejects to make the relay retry later. */
  publish(envelope: EventEnvelope, options?: PublishOptions): Promise<void>;
  /**
   * For each event and each consumer it is routed to (that subscribed before it was dispatched, or may have: see
   * {@link AuditContext}), whether the broker still has the delivery. Only a bus with a broker can tell; the in-process bus has no record to check.
   */
  audit?(items: readonly { envelope: EventEnvelope; dispatchedAt: Date }[], consumer?: string, context?: AuditContext): Promise<DeliveryRecord[]>;
  /**
   * Drops the broker's record of a delivery an operator gave up on (a discarded dead letter: BullMQ's failed job), so
   * that the audit counts it missing and a redrive sends it again; without this the job's id, still taken, makes the
   * broker ignore every redrive of it. Only a bus with a broker keeps such a record.
   */
  forget?(consumer: string, envelope: EventEnvelope): Promise<void>;
  /** Resolves when the broker answers (BullMQ: Redis), rejects at once while it cannot be reached. */
  ping?(): Promise<void>;
  /** The subscriptions publishers route by (durable in Redis for BullMQ; this process's consumers in-process). */
  subscriptions(): Promise<SubscriptionEntry[]>;
  /** An operator's removal of a durable subscription; false when there was none. */
  removeSubscription?(event: string, version: number, consumer: string): Promise<boolean>;
  /** The shortest inbox retention among the consumers (or the one named): how far back a redrive may reach. */
  inboxRetentionMs(consumer?: string): Promise<number>;
  /** The queue partitions this process consumes, by module (BullMQ: shared among a module's replicas). */
  ownership?(): Record<string, number[]>;
  /** Jobs in the queues of the modules consuming here, by module and state, summed over partitions (BullMQ only). */
  queueDepths?(): Promise<QueueDepth[]>;
  /**
   * Set while routing is paused (the subscription table is missing) or holds events for a module expected elsewhere
   * that has not registered, with the reason.
   */
  readonly routingPaused: string | undefined;
  /** {@link routingPaused} as far as it holds `module`'s events. */
  routingPausedFor(module: string): string | undefined;
  close(): Promise<void>;
}

/** An error that no retry can cure (a payload that does not match its schema): dead-lettered at once. */
export class PermanentDeliveryError extends Error {
  override readonly name = 'PermanentDeliveryError';
}

/** The bus was closed (the host is stopping): an event it refuses stays in the outbox for the next start. */
export class BusClosedError extends Error {
  override readonly name = 'BusClosedError';
  constructor() {
    super('The event bus is closed.');
  }
}
