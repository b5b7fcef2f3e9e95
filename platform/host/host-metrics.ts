import type { Config } from '../config/index.ts';
import type { EventBus } from '../events/index.ts';
import type { App } from '../http/index.ts';
import { createMetrics, type Metrics, type ResilienceSources } from '../metrics/index.ts';
import type { ModuleDefinition } from './define-module.ts';
import type { DirectCalls } from './direct-calls.ts';
import { metricsRoute } from './metrics-route.ts';
import type { Topology } from './topology.ts';

/** The host's metrics when `METRICS_ENABLED` (the default), else `undefined` and nothing is measured. */
export function openMetrics(config: Config, modules: readonly ModuleDefinition[], topology: Topology): Metrics | undefined {
  if (!config.metrics.enabled) return undefined;
  const local = new Set(topology.local.map((m) => m.name));
  return createMetrics({
    collectTimeoutMs: config.metrics.collectTimeoutMs,
    remoteModules: new Set(topology.remote.keys()),
    modules: modules
      .filter((m) => local.has(m.name) || topology.remote.has(m.name))
      .map((m) => ({ name: m.name, version: m.version, owner: m.owner, hosted: local.has(m.name) })),
  });
}

export interface HostMetricsSources {
  bus: EventBus;
  remoteStats: ResilienceSources['remote'];
  direct: DirectCalls;
  config: Config;
}

/** Reads the bus's queues, breakers and bulkheads at scrape time, and mounts `/metrics` (operator scope). */
export function mountMetrics(app: App, metrics: Metrics, sources: HostMetricsSources): void {
  const { config } = sources;
  metrics.events.watchBus(sources.bus);
  metrics.watchResilience({
    remote: sources.remoteStats,
    remoteCapacity: config.remote.maxConcurrent,
    local: () =>
      Object.entries(sources.direct.stats()).map(([provider, s]) => ({
        provider,
        transport: 'in-process' as const,
        inFlight: s.inFlight,
        queued: s.queued,
        capacity: config.local.byModule[provider] ?? config.local.maxConcurrent,
      })),
  });
  app.route('/', metricsRoute(metrics));
}
