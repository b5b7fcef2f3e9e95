import { Gauge, type Registry } from 'prom-client';
import type { Collectors } from './collect.ts';

/** What the metrics read of one projection: its name and how far its live model is behind (null before it starts). */
export interface ProjectionReading {
  name: string;
  live: { lagEvents: number; lagSeconds: number } | null;
}

/** Scrape-time gauges of a module's projections: events and seconds behind the streams. */
export type WatchProjections = (module: string, read: () => Promise<readonly ProjectionReading[]>) => void;

export function projectionMetrics(registry: Registry, collect: Collectors): WatchProjections {
  const events = new Gauge({
    name: 'cleave_projection_lag_events',
    help: 'Committed stream events a projection has not handled yet, by module and projection.',
    labelNames: ['module', 'projection'],
    registers: [registry],
  });
  const seconds = new Gauge({
    name: 'cleave_projection_lag_seconds',
    help: 'Age of the oldest committed stream event a projection has not handled yet, by module and projection (0 when caught up).',
    labelNames: ['module', 'projection'],
    registers: [registry],
  });
  return (module, read) =>
    collect.add('projections', async () => {
      for (const p of await read()) {
        if (!p.live) continue;
        events.set({ module, projection: p.name }, p.live.lagEvents);
        seconds.set({ module, projection: p.name }, p.live.lagSeconds);
      }
    });
}
