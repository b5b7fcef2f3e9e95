import type { z } from 'zod';
import type { environmentSchema } from './schema.ts';
import { whenValid } from './partial-environment.ts';

/** Canary, blue-green and rolling updates: how this host takes part (docs/operations/rollouts.md). */
export interface RolloutConfig {
  /**
   * Modules hosted here whose extracted deployment may take a share of their traffic: its base URL, or `discover`
   * (registry instances of the module from another deployment). The share lives in Redis (`/ops/rollouts/{module}`).
   */
  canaries: Record<string, string>;
  /** Request header putting a request on one side whatever the weight: `always` (extracted) or `never` (local). */
  header: string;
  /** What keeps a client on one side when a rollout is sticky: the authenticated subject, a header or a cookie. */
  stickyKey: { from: 'subject' } | { from: 'header' | 'cookie'; name: string };
  /** How often rollout settings are read again from Redis, beside the change notices it publishes. */
  refreshMs: number;
  /** This process's deployment, registered with its instances: `monolith`, or the modules it hosts (`inventory`). */
  deployment: string;
  /** Its colour in a blue-green pair (`DEPLOYMENT_COLOUR`), registered too; the operator route selects one. */
  colour: string | undefined;
  /**
   * On SIGTERM, how long a host in the registry keeps serving after leaving it, so every gateway's discovery stops
   * choosing it before it stops accepting (`SHUTDOWN_DRAIN_DELAY`; a quarter of the shutdown deadline, at most 3 s).
   */
  drainDelayMs: number;
}

type Environment = z.output<typeof environmentSchema>;

/** Reads the rollout settings; `problems` collects what cannot work (a canary of a module not hosted here, no Redis). */
export function rolloutSettings(e: Environment, problems: { variable: string; message: string }[]): RolloutConfig {
  // Each check runs when the settings it reads are valid (partial-environment.ts).
  whenValid(() => {
    if (e.SHUTDOWN_DRAIN_DELAY !== undefined && e.SHUTDOWN_DRAIN_DELAY >= e.SHUTDOWN_TIMEOUT_MS)
      problems.push({ variable: 'SHUTDOWN_DRAIN_DELAY', message: 'must be shorter than SHUTDOWN_TIMEOUT_MS, which it is part of' });
  });
  const canaries = e.CANARY_MODULES ?? {};
  for (const module of Object.keys(canaries)) {
    whenValid(() => {
      if (e.MODULES !== undefined && !e.MODULES.includes(module))
        problems.push({ variable: 'CANARY_MODULES', message: `${module} must also be in MODULES: a canary splits a module served here` });
    });
    whenValid(() => {
      if (e.REMOTE_MODULES && module in e.REMOTE_MODULES)
        problems.push({ variable: 'CANARY_MODULES', message: `${module} is in REMOTE_MODULES; a canaried module is served here and elsewhere` });
    });
  }
  whenValid(() => {
    if (Object.values(canaries).includes('discover') && e.REGISTRY === false)
      problems.push({ variable: 'CANARY_MODULES', message: 'discover finds the extracted deployment in the registry, which REGISTRY=false turns off' });
  });
  whenValid(() => {
    if (Object.keys(canaries).length > 0 && !e.REDIS_URL)
      problems.push({ variable: 'CANARY_MODULES', message: 'canary weights live in Redis, shared by every gateway replica: set REDIS_URL' });
  });
  const [from, name] = e.CANARY_STICKY_KEY.split(':') as ['subject' | 'header' | 'cookie', string | undefined];
  return {
    canaries,
    header: e.CANARY_HEADER,
    stickyKey: from === 'subject' || name === undefined ? { from: 'subject' } : { from, name: from === 'header' ? name.toLowerCase() : name },
    refreshMs: e.ROLLOUT_REFRESH_MS,
    deployment: e.DEPLOYMENT_NAME ?? (e.MODULES ? [...e.MODULES].sort().join('-') : 'monolith'),
    colour: e.DEPLOYMENT_COLOUR,
    drainDelayMs: e.SHUTDOWN_DRAIN_DELAY ?? Math.min(3000, Math.floor(e.SHUTDOWN_TIMEOUT_MS / 4)),
  };
}
