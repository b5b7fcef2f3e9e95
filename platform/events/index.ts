/**
 * @module platform/events
 * Integration events between modules: definitions, the transactional outbox, the relay, the buses, idempotent
 * consumers (inbox) and dead letters. Not for in-module domain events, which are plain function calls.
 */
export { defineEvent, eventType } from './define-event.ts';
export type { EventDefinition, EventPayload, DefineEventOptions, Downcast, Upcast } from './define-event.ts';
export { EventConversionError, publishedVersions, upcastPayload } from './versions.ts';
export { envelopeSchema } from './envelope.ts';
export type { EventEnvelope } from './envelope.ts';
export { eventTables } from './tables.ts';
export type { EventTables } from './tables.ts';
export { createOutbox } from './outbox.ts';
export type { Outbox } from './outbox.ts';
export { createRelay } from './relay.ts';
export type { Relay, RelayOptions } from './relay.ts';
export { BusClosedError, PermanentDeliveryError } from './bus.ts';
export type { EventBus, Consumer, PublishOptions, DeliveryRecord, AuditContext, QueueDepth } from './bus.ts';
export { RoutingPausedError } from './subscription-table.ts';
export type { SubscriptionEntry } from './subscription-table.ts';
export { auditOutbox, redriveOutbox } from './redrive.ts';
export type { OutboxWindow, AuditReport, RedriveReport } from './redrive.ts';
export { createInProcessBus } from './in-process-bus.ts';
export type { InProcessBusOptions } from './in-process-bus.ts';
// createBullmqBus is imported from './bullmq-bus.ts' itself, so that importing this index never loads bullmq and ioredis.
export type { BullmqBusOptions, EventJobData } from './bullmq-bus.ts';
export type { AwaitedSubscription } from './routing-hold.ts';
export { deliverWithRetries, deliverWithin, HandlerTimeoutError } from './delivery.ts';
export type { DeliveryObserver, DeliveryOptions } from './delivery.ts';
export { subscribe } from './subscription.ts';
export type { Subscription, HandlerTools } from './subscription.ts';
export { createConsumer, consumerBatching, consumerId } from './consumer.ts';
export type { ConsumerOptions, ConsumerBatching } from './consumer.ts';
export { createDeadLetterStore, describeError, pendingDeadLetters } from './dead-letters.ts';
export type { DeadLetter, DeadLetterStore } from './dead-letters.ts';
export { backoffDelay } from './backoff.ts';
export { partitionOf, partitionQueueName, eventJobId, queuePrefix } from './partitions.ts';
export type { BackoffOptions } from './backoff.ts';
