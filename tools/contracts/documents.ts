import type { RouteConfig } from '@hono/zod-openapi';
import type { ModuleDefinition } from '../../platform/host/index.ts';
import { mergedDocument, moduleDocument, platformRoutes } from '../../platform/host/openapi.ts';
import { auditRoutes } from '../../platform/host/audit-routes.ts';
import { eventsOpsRoutes } from '../../platform/host/events-ops-routes.ts';
import { costsRoute } from '../../platform/host/costs-route.ts';
import { metricsRoute } from '../../platform/host/metrics-route.ts';
import { opsOverviewRoutes } from '../../platform/host/ops-overview-routes.ts';
import { opsRoutes } from '../../platform/host/ops-routes.ts';
import { moduleOpsRoutes } from '../../platform/host/module-ops-routes.ts';
import { tracingOff } from '../../platform/observability/index.ts';
import { registryRoutes } from '../../platform/host/registry-routes.ts';
import { rolloutRoutes } from '../../platform/host/rollout-routes.ts';
import { sagaOpsRoutes } from '../../platform/sagas/index.ts';
import { moduleAsyncApi } from './asyncapi.ts';
import { toJsonText, toYamlText } from './canonical.ts';

/** The folders `npm run openapi` owns: every file in them is generated. */
export const contractDirs = { openapi: 'contracts/openapi', asyncapi: 'contracts/asyncapi' } as const;

/** The merged document's file: every module plus the platform's documented routes. */
export const mergedFile = `${contractDirs.openapi}/cleave.json`;

/**
 * The platform's documented routes (`/ops/...`, `/registry`, `/metrics`), taken from the routers a host mounts. Their sources
 * are never called: only the route declarations are read.
 */
export function documentedPlatformRoutes(): RouteConfig[] {
  const ops = opsRoutes({ deadLetters: () => [], consumer: () => undefined, inboxRetentionMs: async () => 0, audit: () => undefined, forget: async () => {} });
  const events = eventsOpsRoutes({ bus: undefined as never, producer: () => undefined, consumerRunning: async () => [] });
  const registry = registryRoutes({
    topology: { local: [], remote: new Map(), consumers: new Map(), eventsCrossProcesses: false, warnings: [] },
    registry: undefined,
    expectedHash: () => undefined,
    remoteStats: () => ({}),
    probeTimeoutMs: 0,
  });
  const audit = auditRoutes({ modules: () => [], keys: async () => ({ keys: [] }) });
  const metrics = metricsRoute(undefined as never);
  const costs = costsRoute(undefined as never);
  const overview = opsOverviewRoutes({ service: '', modules: [], metrics: undefined, tracing: tracingOff });
  const rollouts = rolloutRoutes({ store: undefined, canaries: {}, remote: new Map(), healthyOfColour: async () => undefined, trail: () => undefined });
  const projections = moduleOpsRoutes([]);
  const sagas = sagaOpsRoutes(() => []);
  return [ops, events, audit, registry, rollouts, projections, sagas, metrics, costs, overview].flatMap((router) => platformRoutes(router, []));
}

/**
 * Every contract file, by path relative to the repository root, with its exact text: `contracts/openapi/<module>.json`
 * (what `/<module>/openapi.json` serves), `contracts/openapi/cleave.json` (what `/openapi.json` serves on a host of
 * all modules) and `contracts/asyncapi/<module>.yaml` (the module's events). Sorted by path.
 */
export function contractFiles(modules: readonly ModuleDefinition[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of modules) {
    if (m.name === 'cleave') throw new Error('A module named "cleave" would overwrite the merged document.');
    try {
      files.set(`${contractDirs.openapi}/${m.name}.json`, toJsonText(moduleDocument(m)));
      files.set(`${contractDirs.asyncapi}/${m.name}.yaml`, toYamlText(moduleAsyncApi(m)));
    } catch (error) {
      // The module's own code threw (a route or schema built when read): say which module.
      throw new Error(`cannot generate the contracts of module ${m.name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  files.set(mergedFile, toJsonText(mergedDocument(modules, documentedPlatformRoutes())));
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}
