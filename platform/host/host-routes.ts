import type { Config } from '../config/index.ts';
import { wellKnownPaths } from '../contracts/index.ts';
import { eventTables, type Consumer, type EventBus } from '../events/index.ts';
import { markForwardedRoutes, mountDocs, type App } from '../http/index.ts';
import type { Metrics } from '../metrics/index.ts';
import { stripUrlCredentials } from '../observability/index.ts';
import type { Registry } from '../registry/index.ts';
import { consumerIds, type HealthCheck, type ModuleDefinition } from './define-module.ts';
import type { DirectCalls } from './direct-calls.ts';
import { eventsOpsRoutes } from './events-ops-routes.ts';
import { mountGateway, type GatewayOptions } from './gateway.ts';
import { mountHealth } from './health.ts';
import type { HostAudit } from './host-audit.ts';
import { mountMetrics, type HostMetricsSources } from './host-metrics.ts';
import type { HostSagas } from './host-sagas.ts';
import type { HostedModule } from './hosted-module.ts';
import { mountIndex } from './index-page.ts';
import { hostLinks } from './links.ts';
import { moduleOpsRoutes } from './module-ops-routes.ts';
import { mountOpenApi } from './openapi.ts';
import { opsRoutes } from './ops-routes.ts';
import { registryRoutes } from './registry-routes.ts';
import type { HostRollouts } from './rollouts.ts';
import type { Topology } from './topology.ts';

export interface HostRoutesOptions {
  config: Config;
  /** Every module the application knows (OpenAPI, links and the gateway cover those deployed here or elsewhere). */
  modules: readonly ModuleDefinition[];
  hosted: readonly HostedModule[];
  topology: Topology;
  bus: EventBus;
  consumers: ReadonlyMap<string, Consumer>;
  metrics: Metrics | undefined;
  remoteStats: HostMetricsSources['remoteStats'];
  direct: DirectCalls;
  /** The operations page (sign-in, dashboard). */
  ops: { mount(app: App): void };
  audit: HostAudit;
  sagas: HostSagas;
  rollouts: HostRollouts;
  registry: Registry | undefined;
  expectedHash(module: string): string | undefined;
  gateway: GatewayOptions;
  /** Whether the host is draining: `/health/ready` then fails, so traffic stops choosing it. */
  draining(): boolean;
  /** Whether the demo data is still loading: `/health/ready` fails until it is in (a script waits for the accounts). */
  seeding(): boolean;
  /** Whether Redis answers the parts of this host that use it (`redisCheck`); undefined without Redis. */
  redis: HealthCheck | undefined;
  /** Whether the hosted modules hold their access tokens from a remote identity (`HostSecurity.credentialsCheck`). */
  credentials: HealthCheck | undefined;
}

/**
 * The platform's own routes on the host's app, after the modules' routes: operations (dead letters, events, audit,
 * sagas, modules, rollouts, registry, metrics and the operations page), OpenAPI, docs, the index, health, and last the
 * gateway to the modules that run elsewhere.
 */
export function mountHostRoutes(app: App, options: HostRoutesOptions): void {
  const { hosted, topology, bus } = options;
  const hostedModule = (module: string) => hosted.find((h) => h.definition.name === module);
  app.route(
    '/',
    opsRoutes({
      deadLetters: () => hosted.map((m) => m.deadLetters),
      consumer: (id) => options.consumers.get(id),
      inboxRetentionMs: (consumer) => bus.inboxRetentionMs(consumer),
      audit: (module) => hostedModule(module)?.audit,
      forget: async (letter) => bus.forget?.(letter.consumer, letter.envelope),
      observe: options.metrics?.events.delivery,
    }),
  );
  app.route(
    '/',
    eventsOpsRoutes({
      bus,
      producer: (module) => {
        const m = hostedModule(module);
        return m && { db: m.context.db, tables: eventTables(module), events: m.definition.contract.events, audit: m.audit };
      },
      async consumerRunning(consumer) {
        const module = consumer.slice(0, consumer.indexOf(':'));
        const runsHere = hostedModule(module);
        const here = runsHere !== undefined && consumerIds(runsHere.definition).includes(consumer);
        const instances = options.registry && module ? await options.registry.instances(module) : [];
        const elsewhere = instances.filter((i) => i.id !== options.registry?.id && (i.consumers === undefined || i.consumers.includes(consumer)));
        return [
          ...(here ? ['this host'] : []),
          ...elsewhere.map(
            (i) =>
              `instance ${i.id} at ${stripUrlCredentials(i.address)}${i.consumers === undefined ? ' (an older host that does not list its consumers)' : ''}`,
          ),
        ];
      },
    }),
  );
  if (options.metrics) mountMetrics(app, options.metrics, { bus, remoteStats: options.remoteStats, direct: options.direct, config: options.config });
  options.ops.mount(app);
  app.route('/', options.audit.routes()).route('/', options.sagas.routes()).route('/', moduleOpsRoutes(hosted));
  app.route(
    '/',
    options.rollouts.routes((module) => {
      // A change is recorded in the module's trail when it runs here, else in the platform's (identity's, or the first).
      const m = hostedModule(module) ?? hostedModule('identity') ?? hosted[0];
      return m && { audit: m.audit, db: m.context.db };
    }),
  );
  app.route(
    '/',
    registryRoutes({
      topology,
      registry: options.registry,
      expectedHash: options.expectedHash,
      remoteStats: options.remoteStats,
      probeTimeoutMs: options.config.remote.timeoutMs,
    }),
  );
  const deployed = options.modules.filter((m) => hostedModule(m.name) || topology.remote.has(m.name));
  mountOpenApi(app, deployed);
  mountDocs(app, '/openapi.json');
  mountIndex(app, hostLinks('', deployed));
  const drainCheck = { module: 'host', checks: [{ name: 'draining', check: () => Promise.reject(new Error('shutting down: no new traffic, please')) }] };
  const seedCheck = { module: 'host', checks: [{ name: 'demo-data', check: () => Promise.reject(new Error('loading the demo data')) }] };
  mountHealth(app, () => [
    ...hosted.map((m) => ({ module: m.definition.name, checks: m.checks() })),
    ...(options.draining() ? [drainCheck] : []),
    ...(options.seeding() ? [seedCheck] : []),
    ...(options.redis ? [{ module: 'host', checks: [options.redis] }] : []),
    ...(options.credentials ? [{ module: 'host', checks: [options.credentials] }] : []),
  ]);
  const remoteModules = options.modules.filter((m) => topology.remote.has(m.name));
  const remoteWellKnown = new Map(remoteModules.map((m) => [m.name, wellKnownPaths(m.contract).map((r) => r.path)] as const));
  for (const m of remoteModules) markForwardedRoutes(app, Object.values(m.contract.routes));
  mountGateway(app, [...topology.remote.keys()], options.gateway, remoteWellKnown);
}
