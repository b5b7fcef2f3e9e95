/**
 * @module platform/event-sourcing
 * Event-sourced aggregates (append-only streams with optimistic concurrency, state folded from versioned events) and
 * the projections that build CQRS read models from them, rebuildable while the system runs. Not for integration
 * events between modules: those go through the outbox (platform/events), in the same transaction as the append.
 */
export { defineAggregate } from './define-aggregate.ts';
export type { Aggregate, AggregateEvent, AnyAggregate, DefineAggregateOptions, NewEvent } from './define-aggregate.ts';
export { defineProjection } from './define-projection.ts';
export type { AnyProjection, DefineProjectionOptions, Projection, ProjectedEvent } from './define-projection.ts';
export { createProjectionRunner } from './projection-runner.ts';
export type { ProjectionRunner, ProjectionRunnerOptions } from './projection-runner.ts';
export type { ProjectionPosition, ProjectionStatus } from './projection-status.ts';
export { eventSourcingMigrations } from './migrations.ts';
export { EventSourcingError, streamVersionConflict } from './errors.ts';
export { readStream } from './stream-store.ts';
export { holdProjections } from './projection-tables.ts';
export type { StoredEvent } from './stream-store.ts';
