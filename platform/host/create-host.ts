import { ConfigError, type Config } from '../config/index.ts';
import { eventLoopTurn } from './event-loop-turn.ts';
import { createHttpTransport, tlsFetch, type HttpTransport, type LocalDispatch, type Transport } from '../contracts/index.ts';
import type { ModuleAnswer, ModuleCall } from '../contracts/http-send.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { consumerId, type Consumer, type DeadLetterStore, type EventBus } from '../events/index.ts';
import { commitBeforeCall, mountIdempotency } from '../idempotency/index.ts';
import { authorizeGuard, createApp, ipRanges, type App, type EdgeGuard } from '../http/index.ts';
import { routeHandlers } from '../http/route-handlers.ts';
import { createLogger, type Logger, type Tracing } from '../observability/index.ts';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Registry } from '../registry/index.ts';
import { contractHash } from './contract-hash.ts';
import { createDirectCalls, type DirectCalls, type DirectProvider } from './direct-calls.ts';
import { openModuleDatabases, sharedDatabase, type ModuleDatabases } from './databases.ts';
import { consumerIds, type ModuleDefinition } from './define-module.ts';
import { checksPass, redisCheck, type RedisUser } from './health.ts';
import { hostModule, type HostedModule } from './hosted-module.ts';
import { createHostSecurity, type HostSecurity } from './host-security.ts';
import { auditIdentity } from './audit-identity.ts';
import { hostAudit } from './host-audit.ts';
import { prepareModule } from './classified-schema.ts';
import { buildDeclarations, refuseUndeclaredAccess } from './access-declarations.ts';
import { hostRateLimits, hostSagas, moduleOfPath, openObservability, openRateLimitStore, openRegistry } from './host-assembly.ts';
import { opsPage } from './ops-page/index.ts';
import { mountHostRoutes } from './host-routes.ts';
import { resolveTopology, type Topology } from './topology.ts';
import { refuseMissingSettings, unknownModuleDatabaseUrls } from './required-settings.ts';
import { startWhenMigrated, type MigrationWait } from './await-migrations.ts';
import { openBus } from './host-bus.ts';
import { addressResolver } from './remote-address.ts';
import { openRollouts } from './rollouts.ts';
import type { GatewayOptions } from './gateway.ts';

export type { HostedModule } from './hosted-module.ts';

export interface HostOptions {
  config: Config;
  /** Every module the application knows; the configuration decides which run here and where the others are. */
  modules: readonly ModuleDefinition[];
  logger?: Logger;
  /** One already open database for every hosted module (tests); otherwise opened from the configuration. */
  database?: DatabaseHandle;
  /** Start the outbox relays (default true). Tests turn this off to simulate a crash before dispatch. */
  startRelays?: boolean;
  /** Turns tracing on with every span sent here as it ends, whatever the configuration says (tests). */
  spanExporter?: SpanExporter;
}

export interface Host {
  app: App;
  modules: HostedModule[];
  topology: Topology;
  databases: ModuleDatabases;
  bus: EventBus;
  busKind: Config['events']['bus'];
  logger: Logger;
  registry: Registry | undefined;
  /** Resilience state of calls to remote modules. */
  remoteStats(): ReturnType<HttpTransport['stats']>;
  /** Calls to this process's modules without HTTP: what module clients use when the provider is local. */
  direct: DirectCalls;
  /** Token verification, caller handles and credentials for calls leaving the process. */
  security: HostSecurity;
  /** Spans of every hop (off unless configured). */
  tracing: Tracing;
  /** Loads each module's demo data (idempotent). */
  seed(): Promise<void>;
  /** Registers this host's modules in the registry at `address` (no-op without a registry). */
  announce(address: string): Promise<void>;
  /** Leaves the registry and answers `/health/ready` with 503, still serving, so traffic stops choosing this host. */
  drain(): Promise<void>;
  /** Stops relays, bus and registry, and closes the databases the host opened. */
  stop(): Promise<void>;
}

/**
 * Builds a process that hosts the modules the configuration names: opens and migrates their databases, wires
 * relays, the bus (in-process or BullMQ) and module clients (in-process or HTTP, by topology), and mounts one app
 * with their routes, the gateway for modules that run elsewhere, health, OpenAPI, docs, ops and registry endpoints.
 */
export async function createHost(options: HostOptions): Promise<Host> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.log);
  refuseUndeclaredAccess(options.modules);
  const topology = resolveTopology(config, options.modules);
  refuseMissingSettings(config, topology.local);
  const local = new Set(topology.local.map((m) => m.name));
  for (const warning of topology.warnings) logger.warn(warning);
  // In production a misspelt module database URL stops the start: the module would run on DATABASE_URL's database.
  const unknownUrls = unknownModuleDatabaseUrls(config, options.modules);
  if (unknownUrls.length > 0 && config.env === 'production') throw new ConfigError(unknownUrls);
  for (const p of unknownUrls) logger.warn({ variable: p.variable }, `database URL ignored: it ${p.message}`);

  const databases = options.database ? sharedDatabase(options.database) : await openModuleDatabases(config, topology.local, logger);
  const { tracing, metrics } = await openObservability(config, options.modules, topology, databases, logger, options.spanExporter);
  // Tracing stops last: spans of the shutdown itself are exported too.
  const stoppers: (() => Promise<void>)[] = [() => tracing.shutdown(), () => databases.close(), async () => metrics?.close()];
  let closeBus: (() => Promise<void>) | undefined;
  let migrationWait: MigrationWait | undefined;
  const stopAll = async () => {
    await migrationWait?.cancel();
    // The bus closes first: a delivery still retrying then gives up without dead-lettering, so its outbox row stays
    // undispatched and the next start delivers it. Then relays drain, the registry deregisters, databases close.
    const steps = [...(closeBus ? [closeBus] : []), ...stoppers.splice(0).reverse()];
    closeBus = undefined;
    for (const stop of steps) await stop().catch((error: unknown) => logger.error({ err: error }, 'stop failed'));
  };
  try {
    // Each module is migrated (when configured), then refused if its schema holds a table nothing classifies: the
    // check runs on every start, whoever migrated the schema (see classified-schema.ts).
    for (const m of topology.local) {
      // A turn of the event loop between modules: on PGlite a module's migrations run without one, and a signal (a
      // SIGTERM during start-up) waits for the next.
      await eventLoopTurn();
      const database = databases.of(m.name);
      await prepareModule(database.db, m, { migrate: config.database.migrateOnStart, log: logger });
    }

    const deadLetterStores = new Map<string, DeadLetterStore>();
    // The consumers of modules this host expects elsewhere: their events wait until a host of theirs registers.
    const awaited = options.modules
      .filter((m) => topology.remote.has(m.name) && !local.has(m.name))
      .flatMap((m) =>
        (m.subscriptions ?? []).map((s) => ({ event: s.event.name, version: s.event.version, consumer: consumerId(m.name, s.handler), module: m.name })),
      );
    // Routing that refused events works again: the relays send what they hold now, not after their backoff.
    let relays: { retryNow(): Promise<void> }[] = [];
    const retryHeld = () => void Promise.all(relays.map((r) => r.retryNow()));
    const bus = await openBus(
      config,
      logger.child({ component: 'bus' }),
      (module) => deadLetterStores.get(module),
      metrics?.events.delivery,
      awaited,
      retryHeld,
      [...local],
    );
    closeBus = () => bus.close();

    const hashes = new Map<string, string>();
    const hashOf = (name: string) => {
      const m = options.modules.find((x) => x.name === name);
      if (m && !hashes.has(name)) hashes.set(name, contractHash(m));
      return hashes.get(name);
    };
    const { registry, discovery } = await openRegistry(config, logger, hashOf);
    if (registry) stoppers.push(() => registry.close());
    const rollouts = await openRollouts({
      config,
      discovery,
      resolve: addressResolver(discovery, config.tls.remote.requireTls),
      remote: topology.remote,
      log: logger.child({ component: 'rollouts' }),
    });
    stoppers.push(() => rollouts.close());

    const resolveAt = addressResolver(discovery, config.tls.remote.requireTls);
    const resolveRemote = (module: string) => resolveAt(module, topology.remote.get(module), rollouts.selection(module));
    const onRemoteFailure = (module: string, baseUrl: string) => discovery?.markFailed(module, baseUrl);
    const remote = createHttpTransport({
      resolve: resolveRemote,
      onFailure: onRemoteFailure,
      onRetry: metrics?.remoteRetry,
      timeoutMs: config.remote.timeoutMs,
      retries: config.remote.retries,
      breakerThreshold: config.remote.breakerFailures,
      breakerHalfOpenAfterMs: config.remote.breakerResetMs,
      maxConcurrent: config.remote.maxConcurrent,
      log: logger.child({ component: 'remote' }),
      tls: config.tls.remote,
    });
    // Every module reached over the network, with its breaker: closed until calls to it fail.
    const breakers = () => ({
      ...Object.fromEntries([...topology.remote.keys()].map((m) => [m, { breaker: 'closed' as const, inFlight: 0, queued: 0 }])),
      ...remote.stats(),
    });
    let app: App | undefined;
    // Module clients send to remote modules as plain calls; a local module reaches here only for a route the direct
    // path has no handler for, and is served by this process's app.
    const viaApp = async (module: string, request: Request): Promise<Response> => {
      // A keyed request holding its effect transaction on the callee's connection (embedded PGlite is one connection
      // for every module) commits it first, or the callee would wait on it.
      const callee = databases.of(module);
      if (callee.kind === 'pglite') await commitBeforeCall(callee.db);
      return (app as App).fetch(request);
    };
    // A call as data to a module wherever it runs, with no credentials added (the host's own calls to identity).
    const sendPlain = async (module: string, call: ModuleCall): Promise<ModuleAnswer> => {
      if (!local.has(module) || !app) return remote.send(module, call);
      const response = await viaApp(
        module,
        new Request(`http://cleave.internal${call.target}`, {
          method: call.method,
          headers: call.headers,
          ...(call.body === undefined ? {} : { body: call.body }),
        }),
      );
      const body = new Uint8Array(await response.arrayBuffer());
      return { status: response.status, headers: Object.fromEntries(response.headers), body: body.byteLength === 0 ? null : body };
    };
    const identityAt = local.has('identity') ? 'local' : topology.remote.has('identity') ? 'remote' : undefined;
    const security = createHostSecurity({ config, identity: identityAt, send: sendPlain, log: logger.child({ component: 'security' }) });
    if (!identityAt)
      logger.warn(
        'no identity module here or in REMOTE_MODULES: tokens cannot be verified, so every route that is not public (operator routes included) answers 401; add identity=<url> to REMOTE_MODULES',
      );
    // Module clients' calls carry the calling module's token and the end user's (see HostSecurity).
    const transport: Transport = Object.assign(
      (module: string, request: Request) => (local.has(module) && app ? viaApp(module, request) : remote(module, request)),
      { send: async (module: string, call: ModuleCall): Promise<ModuleAnswer> => sendPlain(module, await security.withCredentials(call)) },
    );

    let direct: DirectCalls | undefined;
    const localCalls: LocalDispatch = (module, call) => direct?.dispatch(module, call);
    const consumers = new Map<string, Consumer>();
    const declared = buildDeclarations(options.modules);
    const identityAudit = auditIdentity({ send: sendPlain, withCredentials: (call) => security.withCredentials(call) });
    const hosted = topology.local.map((definition) =>
      hostModule({
        definition,
        database: databases.of(definition.name),
        exclusive: databases.exclusive(definition.name),
        bus,
        transport,
        local: localCalls,
        handle: security.handles.issue(definition.name),
        declared,
        config,
        logger,
        consumers,
        tracing,
        metrics,
        signer: identityAudit.signer,
      }),
    );
    const audit = hostAudit({ config, hosted, identity: identityAudit, log: logger });
    const sagas = hostSagas(hosted);
    stoppers.push(() => audit.stop());
    for (const m of hosted) {
      deadLetterStores.set(m.definition.name, m.deadLetters);
      stoppers.push(() => m.workers.stop());
    }

    const trustedProxies = ipRanges(config.rateLimit.trustedProxies);
    // Rate limits, then access: checked by the edge before any route's handlers (see `EdgeGuard`).
    const guards: EdgeGuard[] = [];
    // The parts of this host that work through Redis, asked by `/health/ready` (`host redis`).
    const redisUsers: RedisUser[] = [];
    app = createApp({
      logger,
      bodyLimitBytes: config.http.bodyLimitBytes,
      moduleOf: (path) => moduleOfPath(path, local, topology.remote),
      undeclaredProblems: config.http.undeclaredProblems,
      cors: { origins: config.http.corsOrigins, credentials: config.http.corsCredentials },
      requestLog: config.http.requestLog,
      tracing,
      observe: metrics?.observeRequest,
      guards,
    });
    if (config.rateLimit.enabled) {
      const store = await openRateLimitStore(config, logger);
      stoppers.push(() => store.close());
      const ping = store.ping?.bind(store);
      if (ping) redisUsers.push({ what: 'rate limits', ping });
      guards.push(hostRateLimits(config, { store, trustedProxies, local, topology, verifier: security.verifier, logger }));
    }
    const ops = opsPage({ config, security, send: sendPlain, identity: identityAt, logger, modules: local, metrics, tracing });
    // Access first (who may call), then the canary split, then idempotency (whose key it is), for every route served.
    guards.push(authorizeGuard({ verifier: security.verifier, onRefused: audit.onRefused, sessionToken: ops.sessionToken }));
    const gateway: GatewayOptions = {
      resolve: resolveRemote,
      onFailure: onRemoteFailure,
      timeoutMs: config.remote.timeoutMs,
      guard: remote.guard,
      retryAfterSeconds: Math.ceil(config.remote.breakerResetMs / 1000),
      trustedProxies,
      fetch: await tlsFetch(config.tls.remote),
      tracing,
      retries: config.remote.retries,
    };
    rollouts.mountCanaries(app, gateway);
    for (const m of hosted) mountIdempotency(app, m.definition.name, m.idempotencyGate);
    const providers: DirectProvider[] = [];
    for (const m of hosted) {
      const router = m.definition.routes(m.context);
      app.route('/', router);
      const name = m.definition.name;
      const callee = databases.of(name);
      providers.push({
        module: name,
        handlers: routeHandlers(router) ?? new Map(),
        gate: m.idempotencyGate,
        log: m.context.log,
        maxConcurrent: config.local.byModule[name] ?? config.local.maxConcurrent,
        maxQueued: config.local.maxQueued,
        // A keyed request holding its effect transaction on embedded PGlite (one connection) commits it first.
        ...(callee.kind === 'pglite' ? { beforeCall: () => commitBeforeCall(callee.db) } : {}),
      });
    }
    const calls = createDirectCalls({
      providers,
      timeoutMs: config.remote.timeoutMs,
      undeclaredProblems: config.http.undeclaredProblems,
      handles: security.handles,
      tracing,
      onRefused: audit.onRefused,
    });
    direct = calls;
    // Saga runners stop before module calls close: a step in flight is aborted, not recorded as failed.
    stoppers.push(async () => (await sagas.stop(), calls.close()));
    let draining = false;
    // Demo data loads while the host serves (a seed may call a module elsewhere); readiness waits for it.
    let seeding = 0;
    mountHostRoutes(app, {
      config,
      modules: options.modules,
      hosted,
      topology,
      bus,
      consumers,
      metrics,
      remoteStats: breakers,
      direct: calls,
      ops,
      audit,
      sagas,
      rollouts,
      registry,
      expectedHash: hashOf,
      gateway,
      draining: () => draining,
      seeding: () => seeding > 0,
      redis: redisCheck(bus.ping ? [{ what: 'event bus', ping: bus.ping.bind(bus) }, ...redisUsers] : redisUsers),
      credentials: security.credentialsCheck([...local]),
    });

    const startProcessing = async () => {
      // Subscriptions are registered (and workers started) before any relay routes by them.
      await bus.start();
      relays = hosted.map((m) => m.relay);
      if (options.startRelays ?? true) for (const m of hosted) m.relay.start();
      for (const m of hosted) m.workers.start();
      for (const background of [audit, sagas]) background.start();
    };
    // Migrated above when MIGRATE_ON_START is on; otherwise events wait for whoever migrates (see await-migrations.ts).
    if (config.database.migrateOnStart) await startProcessing();
    else migrationWait = await startWhenMigrated(hosted, logger, startProcessing);

    let stopping: Promise<void> | undefined;
    return {
      app,
      modules: hosted,
      topology,
      databases,
      bus,
      busKind: config.events.bus,
      logger,
      registry,
      remoteStats: breakers,
      direct,
      security,
      tracing,
      async seed() {
        seeding++;
        const load = async () => {
          try {
            for (const m of hosted) await m.definition.seed?.(m.context);
          } finally {
            seeding--;
          }
        };
        // Migrations not applied yet (MIGRATE_ON_START=false): the tables are not there. Loaded once they are, while
        // readiness says so (`host demo-data`), rather than tried now, failed and never loaded.
        if (migrationWait) migrationWait.afterStart(() => load().catch((error: unknown) => logger.warn({ err: error }, 'demo data not loaded')));
        else await load();
      },
      async announce(address) {
        if (!registry) return;
        await registry.announce(
          hosted.map((m) => ({
            module: m.definition.name,
            version: m.definition.version,
            contractHash: hashOf(m.definition.name) ?? '',
            consumers: consumerIds(m.definition),
          })),
          address,
          () => checksPass(hosted.flatMap((m) => m.checks())),
        );
      },
      async drain() {
        draining = true;
        await registry?.withdraw();
      },
      stop() {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
