import { Counter, Gauge, Registry } from 'prom-client';
import type { CallMeter } from '../contracts/index.ts';
import type { RequestObserver } from '../http/index.ts';
import { callMetrics } from './call-metrics.ts';
import { collectors, type Collectors } from './collect.ts';
import type { CostLedger } from './cost-ledger.ts';
import { costMetrics } from './cost-metrics.ts';
import { eventMetrics, type EventMetrics } from './event-metrics.ts';
import { httpMetrics } from './http-metrics.ts';
import { projectionMetrics, type WatchProjections } from './projection-metrics.ts';
import { resilienceMetrics, type ResilienceSources } from './resilience-metrics.ts';
import { retentionMetrics, type RetentionMetrics } from './retention-metrics.ts';
import { runtimeMetrics } from './runtime-metrics.ts';

export interface MetricsOptions {
  /** Longest a scrape-time collector (a database or Redis read) may take before its gauges are left as they were. */
  collectTimeoutMs: number;
  /** Modules this host forwards to another process (the gateway): their requests here are `(forwarded)`. */
  remoteModules: ReadonlySet<string>;
  /** The modules this host knows, with what they declare of themselves, for `cleave_module_info`. */
  modules: readonly { name: string; version: string; owner: string; costCentre: string; hosted: boolean }[];
}

/** One metric family with its series' values. */
export interface MetricSnapshot {
  name: string;
  type: string;
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

export interface Metrics {
  /** This host's registry: several hosts in one process (tests) never share series. */
  registry: Registry;
  contentType: string;
  /** The HTTP app's observer (RED metrics). */
  observeRequest: RequestObserver;
  /** The meter of the client `caller` uses to call `provider`. */
  callMeter(caller: string, provider: string): CallMeter;
  events: EventMetrics;
  /** Counts a retry of a call to a remote module (the HTTP transport's policy). */
  remoteRetry(module: string): void;
  /** Rows the retention jobs removed or anonymised, and their last runs. */
  retention: RetentionMetrics;
  /** A module's projection lag, read at scrape time. */
  watchProjections: WatchProjections;
  /** Breakers and bulkheads, read at scrape time. */
  watchResilience(sources: ResilienceSources): void;
  /** The scrape-time readers (a database, Redis), each bounded by `METRICS_COLLECT_TIMEOUT`: add one for a gauge read so. */
  collect: Collectors;
  /** The Prometheus text exposition, after running the scrape-time collectors. */
  text(): Promise<string>;
  /** Every series as data (prom-client's JSON form), after running the scrape-time collectors: the operations page's. */
  snapshot(): Promise<MetricSnapshot[]>;
  /** What each hosted module used, for `GET /ops/costs`. */
  costs: CostLedger;
  /** A database statement on `module`'s schema took `seconds` (from the driver adapters). */
  observeStatement(module: string, seconds: number): void;
  /** An attempt of one of `module`'s saga steps took `seconds` (busy time, kind `sagas`). */
  observeSagaStep(module: string, seconds: number): void;
  /** Stops the event-loop sampler and the cost snapshots. */
  close(): void;
}

/**
 * The metrics of one host: a prom-client registry of its own, the hot-path series (HTTP, module calls, deliveries)
 * as plain numbers updated without allocation, and gauges read when scraped (outbox, dead letters, queues, breakers,
 * process). Every label value is a name declared in code (module, operation template, consumer, problem code, state),
 * never an id, a path or a secret.
 */
export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  const collect: Collectors = collectors(registry, options.collectTimeoutMs);
  // Owner and cost centre live on one info series per module, joined in queries (`* on(module)
  // group_left(owner, cost_centre) cleave_module_info`), rather than repeated as labels on every series.
  const info = new Gauge({
    name: 'cleave_module_info',
    help: 'One series per module this host knows, value 1: its version, owner, cost centre, and whether it runs here.',
    labelNames: ['module', 'version', 'owner', 'cost_centre', 'hosted'],
    registers: [registry],
  });
  for (const m of options.modules) info.set({ module: m.name, version: m.version, owner: m.owner, cost_centre: m.costCentre, hosted: String(m.hosted) }, 1);
  const costs = costMetrics(
    registry,
    options.modules.filter((m) => m.hosted),
  );
  const stopRuntime = runtimeMetrics(registry);
  const remote = options.remoteModules;
  const retries = new Counter({
    name: 'cleave_remote_retries_total',
    help: 'Retries of calls to a remote module (idempotent calls, after a network failure or a retryable answer), by module.',
    labelNames: ['module'],
    registers: [registry],
  });
  return {
    registry,
    contentType: registry.contentType,
    observeRequest: costs.observeRequest(httpMetrics(registry, remote)),
    callMeter: callMetrics(registry, (provider) => remote.has(provider)),
    events: costs.events(eventMetrics(registry, collect)),
    remoteRetry: (module) => retries.labels(module).inc(),
    retention: retentionMetrics(registry),
    watchProjections: projectionMetrics(registry, collect),
    watchResilience: (sources) => resilienceMetrics(registry, collect, sources),
    collect,
    async text() {
      await collect.run();
      return registry.metrics();
    },
    async snapshot() {
      await collect.run();
      return (await registry.getMetricsAsJSON()) as unknown as MetricSnapshot[];
    },
    costs: costs.ledger,
    observeStatement: costs.statement,
    observeSagaStep: costs.sagaStep,
    close() {
      stopRuntime();
      costs.ledger.close();
    },
  };
}
