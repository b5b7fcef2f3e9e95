import { Gauge, type Registry } from 'prom-client';
import type { CallPolicyStats } from '../resilience/index.ts';
import type { Collectors } from './collect.ts';

/** A module's bulkhead as the host sees it: calls running and waiting, and how many may run at once. */
export interface BulkheadReading {
  provider: string;
  transport: 'in-process' | 'http';
  inFlight: number;
  queued: number;
  capacity: number;
}

export interface ResilienceSources {
  /** Breaker and bulkhead of every remote module (as `/registry` shows them). */
  remote: () => Record<string, Pick<CallPolicyStats, 'breaker' | 'inFlight' | 'queued'>>;
  /** Most concurrent calls to one remote module. */
  remoteCapacity: number;
  /** Bulkheads of the modules hosted here, on the direct path. */
  local: () => BulkheadReading[];
}

const breakerStates = ['closed', 'half-open', 'open'] as const;

/**
 * Breaker state per remote module (one series per state, 1 for the current one, as Prometheus models an enum) and
 * bulkhead use per provider and transport, read when scraped.
 */
export function resilienceMetrics(registry: Registry, collect: Collectors, sources: ResilienceSources): void {
  const breaker = new Gauge({
    name: 'cleave_remote_breaker_state',
    help: 'Circuit breaker of calls to a remote module: 1 for its current state (closed, half-open, open), 0 for the others.',
    labelNames: ['module', 'state'],
    registers: [registry],
  });
  const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['provider', 'transport'], registers: [registry] });
  const inFlight = gauge('cleave_bulkhead_in_flight_calls', 'Calls running in the bulkhead of a provider module, by provider and transport.');
  const queued = gauge('cleave_bulkhead_queued_calls', 'Calls waiting for a slot in the bulkhead of a provider module.');
  const capacity = gauge('cleave_bulkhead_capacity_calls', 'Calls the bulkhead of a provider module runs at once.');
  const saturation = gauge('cleave_bulkhead_saturation_ratio', 'Share of the bulkhead of a provider module in use (in-flight / capacity), 0 to 1.');
  collect.add('resilience', async () => {
    const readings: BulkheadReading[] = [...sources.local()];
    for (const [module, stats] of Object.entries(sources.remote())) {
      for (const state of breakerStates) breaker.set({ module, state }, stats.breaker === state ? 1 : 0);
      readings.push({ provider: module, transport: 'http', inFlight: stats.inFlight, queued: stats.queued, capacity: sources.remoteCapacity });
    }
    for (const r of readings) {
      const labels = { provider: r.provider, transport: r.transport };
      inFlight.set(labels, r.inFlight);
      queued.set(labels, r.queued);
      capacity.set(labels, r.capacity);
      saturation.set(labels, r.capacity > 0 ? Math.min(1, r.inFlight / r.capacity) : 0);
    }
  });
}
