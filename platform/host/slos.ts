import { latencyBuckets } from '../metrics/cells.ts';

/**
 * Service level objectives of a module, per operation class: reads (GET, HEAD) and writes (every other method).
 * The alert rules (`npm run alerts`) turn them into multi-window burn-rate alerts over `/metrics`.
 */
export interface ModuleSlos {
  read?: SloObjectives;
  write?: SloObjectives;
}

export interface SloObjectives {
  /** Share of requests answered without a server error (5xx) over 30 days, e.g. `0.999`. */
  availability: number;
  /** Share of requests (`objective`) answered within `thresholdSeconds`, one of the latency histogram's bounds. */
  latency: { thresholdSeconds: number; objective: number };
}

export type OperationClass = keyof ModuleSlos;

/** What a module that declares none is held to. */
export const defaultSlos: Required<ModuleSlos> = {
  read: { availability: 0.999, latency: { thresholdSeconds: 0.25, objective: 0.99 } },
  write: { availability: 0.995, latency: { thresholdSeconds: 1, objective: 0.99 } },
};

/** A module's objectives, its own where declared, the defaults elsewhere; refuses ones no rule could evaluate. */
export function slosOf(module: { name: string; slos?: ModuleSlos | undefined }): Required<ModuleSlos> {
  const slos = { ...defaultSlos, ...module.slos };
  for (const [kind, o] of Object.entries(slos)) {
    const where = `Module ${module.name}'s ${kind} SLO`;
    if (!(o.availability > 0 && o.availability < 1)) throw new Error(`${where}: availability must be between 0 and 1 (exclusive), not ${o.availability}.`);
    if (!(o.latency.objective > 0 && o.latency.objective < 1)) throw new Error(`${where}: latency objective must be between 0 and 1 (exclusive).`);
    if (!latencyBuckets.includes(o.latency.thresholdSeconds))
      throw new Error(`${where}: latency threshold ${o.latency.thresholdSeconds} s is not a histogram bound (${latencyBuckets.join(', ')}).`);
  }
  return slos;
}
