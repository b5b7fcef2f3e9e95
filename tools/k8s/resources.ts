import type { Deployable } from './model.ts';

/** Requests, limits and the HPA's ceiling of a deployable: a base per process plus a share per hosted module. */
export interface Resources {
  cpuRequestM: number;
  memoryRequestMi: number;
  cpuLimitM: number;
  memoryLimitMi: number;
  maxReplicas: number;
}

export function resourcesOf(d: Pick<Deployable, 'modules' | 'replicas'>): Resources {
  const n = d.modules.length;
  const memoryRequestMi = 192 + 64 * n;
  return {
    cpuRequestM: 100 + 100 * n,
    memoryRequestMi,
    cpuLimitM: 1000,
    // Twice the request: room for a burst; the V8 heap is held to three quarters of it (NODE_OPTIONS).
    memoryLimitMi: 2 * memoryRequestMi,
    maxReplicas: Math.max(3 * d.replicas, d.replicas + 2),
  };
}

export const cpu = (m: number) => `${m}m`;
export const memory = (mi: number) => `${mi}Mi`;
