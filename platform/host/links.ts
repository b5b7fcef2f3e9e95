import type { ModuleDefinition } from './define-module.ts';

/** Where things are on a host: what the ready log prints and `/` lists. Paths, or URLs when given a base. */
export interface HostLinks {
  docs: string;
  openapi: string;
  health: string;
  registry: string;
  deadLetters: string;
  /** The operations page (sign-in through the identity module). */
  operations: string;
  /** Per module served here: a first page of its API (its first GET without path parameters) and its OpenAPI. */
  modules: Record<string, { api: string; openapi: string }>;
}

/**
 * The links of a host serving `modules`, under `base` (e.g. `http://127.0.0.1:3000`, or '' for paths). A module's
 * `api` link is one that answers 200 as it is: its first operation that reads without parameters, or its OpenAPI
 * document when it has none.
 */
export function hostLinks(base: string, modules: readonly ModuleDefinition[]): HostLinks {
  return {
    docs: `${base}/docs`,
    openapi: `${base}/openapi.json`,
    health: `${base}/health/ready`,
    registry: `${base}/registry`,
    deadLetters: `${base}/ops/dead-letters`,
    operations: `${base}/ops`,
    modules: Object.fromEntries(
      modules.map((m) => {
        const list = Object.values(m.contract.routes).find((r) => r.method === 'get' && !r.path.includes('{') && !r.request?.params);
        return [m.name, { api: `${base}${list?.path ?? `/${m.name}/openapi.json`}`, openapi: `${base}/${m.name}/openapi.json` }];
      }),
    ),
  };
}
