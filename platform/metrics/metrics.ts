import { Counter, Gauge, Registry } from 'prom-client';
import type { CallMeter } from '../contracts/index.ts';
import type { RequestObserver } from '../http/index.ts';
import { callMetrics } from './call-metrics.ts';
import { collectors, type Collectors } from './collect.ts';
import { eventMetrics, type EventMetrics } from './event-metrics.ts';
import { httpMetrics } from './http-metrics.ts';
import { resilienceMetrics, type ResilienceSources } from './resilience-metrics.ts';
import { runtimeMetrics } from './runtime-metrics.ts';

export interface MetricsOptions {
  /** Longest a scrape-time collector (a database or Redis read) may take before its gauges are left as they were. */
  collectTimeoutMs: number;
  /** Modules this host forwards to another process (the gateway): their requests here are `(forwarded)`. */
  remoteModules: ReadonlySet<string>;
  /** The modules this host knows, with what they declare of themselves, for `cleave_module_info`. */
  modules: readonly { name: string; version: string; owner: string; hosted: boolean }[];
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
  /** Breakers and bulkheads, read at scrape time. */
  watchResilience(sources: ResilienceSources): void;
  /** The Prometheus text exposition, after running the scrape-time collectors. */
  text(): Promise<string>;
  /** Stops the event-loop sampler. */
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
  // Owner (and, later, cost centre) live on one info series per module, joined in queries (`* on(module)
  // group_left(owner) cleave_module_info`), rather than repeated as labels on every series.
  const info = new Gauge({
    name: 'cleave_module_info',
    help: 'One series per module this host knows, value 1: its version, owner, and whether it runs here.',
    labelNames: ['module', 'version', 'owner', 'hosted'],
    registers: [registry],
  });
  for (const m of options.modules) info.set({ module: m.name, version: m.version, owner: m.owner, hosted: String(m.hosted) }, 1);
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
    observeRequest: httpMetrics(registry, remote),
    callMeter: callMetrics(registry, (provider) => remote.has(provider)),
    events: eventMetrics(registry, collect),
    remoteRetry: (module) => retries.labels(module).inc(),
    watchResilience: (sources) => resilienceMetrics(registry, collect, sources),
    async text() {
      await collect.run();
      return registry.metrics();
    },
    close: stopRuntime,
  };
}
