import type { Config } from '../config/index.ts';
import type { Db } from '../db/index.ts';
import { createProjectionRunner, type ProjectionRunner } from '../event-sourcing/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { Logger, Tracing } from '../observability/index.ts';
import { exclusiveIdlePollMs } from './databases.ts';
import type { HealthCheck, ModuleDefinition } from './define-module.ts';

export interface HostedProjections {
  /** Absent when the module declares no projection. */
  runner: ProjectionRunner | undefined;
  /** `projections`: lag as detail, never failing readiness (a failing `handle` shows as a warning). */
  checks: HealthCheck[];
}

/** A module's projection runner, its health check and its lag gauges. */
export function hostProjections(
  definition: ModuleDefinition,
  db: Db,
  config: Config,
  log: Logger,
  metrics: Metrics | undefined,
  tracing: Tracing | undefined,
  exclusive: boolean,
): HostedProjections {
  const projections = definition.projections ?? [];
  if (projections.length === 0) return { runner: undefined, checks: [] };
  const runner = createProjectionRunner({
    module: definition.name,
    db,
    projections,
    log: log.child({ component: 'projections' }),
    // On a database only this process writes, every append is in a module transaction whose commit wakes the runner:
    // the poll is only a safety net.
    pollMs: exclusive ? Math.max(config.events.sweepMs, exclusiveIdlePollMs) : config.events.sweepMs,
    tracing,
  });
  metrics?.watchProjections(definition.name, () => runner.status());
  const check: HealthCheck = {
    name: 'projections',
    critical: false,
    async check() {
      const all = await runner.status();
      const failing = all.filter((p) => p.lastError !== null);
      if (failing.length > 0) throw new Error(failing.map((p) => `${p.name}: ${p.lastError}`).join('; '));
      if (!runner.running) throw new Error('projection runner stopped');
      // An older release beside a newer one (a rollout): the newer replicas keep the model; this one only reads it.
      const newer = all.filter((p) => p.liveVersion !== null && p.liveVersion > p.version);
      if (newer.length > 0)
        throw new Error(
          newer.map((p) => `${p.name}: built by version ${p.liveVersion}, this host runs version ${p.version} and handles no events into it`).join('; '),
        );
      const behind = (p: (typeof all)[number]) => (p.live ? `${p.live.lagEvents} events, ${p.live.lagSeconds.toFixed(1)} s behind` : 'not started');
      return all.map((p) => `${p.name} ${behind(p)}${p.rebuild ? ' (rebuilding)' : ''}`).join('; ');
    },
  };
  return { runner, checks: [check] };
}
