/**
 * @module platform/metrics
 * Prometheus metrics of a host (docs/operations/metrics.md): RED per module and operation, module calls, the event pipeline,
 * breakers and bulkheads, process and event loop, in one registry per host. Not a tracing SDK, and not where `/metrics`
 * is served (platform/host mounts it, with operator access).
 */
export { createMetrics } from './metrics.ts';
export type { MetricSnapshot, Metrics, MetricsOptions } from './metrics.ts';
export type { EventMetrics } from './event-metrics.ts';
export type { ProjectionReading, WatchProjections } from './projection-metrics.ts';
export type { BulkheadReading, ResilienceSources } from './resilience-metrics.ts';
export type { CallTransport } from './call-metrics.ts';
export type { Collectors } from './collect.ts';
export type { RetentionMetrics } from './retention-metrics.ts';
export { platformModule } from './http-metrics.ts';
export type { CostLedger, CostReport, ModuleCost, ModuleUsage } from './cost-ledger.ts';
