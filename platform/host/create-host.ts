import { sql } from 'drizzle-orm';
import { ConfigError, type Config } from '../config/index.ts';
import { createClient, type Contract, type Transport } from '../contracts/index.ts';
import { migrateSchema, openDatabase, pendingMigrations, type DatabaseHandle } from '../db/index.ts';
import {
  createConsumer,
  createDeadLetterStore,
  createInProcessBus,
  createOutbox,
  createRelay,
  eventTables,
  type Consumer,
  type DeadLetterStore,
  type EventBus,
  type Relay,
} from '../events/index.ts';
import { CleaveError, createApp, mountDocs, type App } from '../http/index.ts';
import { createLogger, type Logger } from '../observability/index.ts';
import type { HealthCheck, ModuleContext, ModuleDefinition } from './define-module.ts';
import { mountHealth } from './health.ts';
import { mountOpenApi } from './openapi.ts';
import { opsRoutes } from './ops-routes.ts';

export interface HostOptions {
  config: Config;
  /** Every module the application knows; `config.modules` picks the ones hosted here. */
  modules: readonly ModuleDefinition[];
  logger?: Logger;
  /** An already open database (tests); otherwise opened from the configuration and closed on stop. */
  database?: DatabaseHandle;
  /** Start the outbox relays (default true). Tests turn this off to simulate a crash before dispatch. */
  startRelays?: boolean;
}

export interface HostedModule {
  definition: ModuleDefinition;
  context: ModuleContext;
  relay: Relay;
  deadLetters: DeadLetterStore;
}

export interface Host {
  app: App;
  modules: HostedModule[];
  database: DatabaseHandle;
  bus: EventBus;
  logger: Logger;
  /** Loads each module's demo data (idempotent). */
  seed(): Promise<void>;
  /** Stops relays and the bus, and closes the database if the host opened it. */
  stop(): Promise<void>;
}

/**
 * Builds a process that hosts the chosen modules: opens the database, migrates each module's schema, wires the
 * outbox relays, the bus and the module clients, and mounts every module's routes into one app beside the health,
 * OpenAPI, docs and ops endpoints.
 */
export async function createHost(options: HostOptions): Promise<Host> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.log);
  const selected = selectModules(options.modules, config.modules);
  checkTopology(selected);

  const database = options.database ?? (await openDatabase({ url: config.database.url, dataDir: config.database.dataDir }));
  try {
    if (config.database.migrateOnStart) {
      for (const m of selected) {
        const result = await migrateSchema(database.db, m.name, m.migrations);
        if (result.applied.length > 0) logger.info({ module: m.name, applied: result.applied }, 'migrations applied');
      }
    }

    const retry = { baseMs: config.events.retryBaseMs, maxMs: config.events.retryMaxMs };
    const bus = createInProcessBus({ log: logger.child({ component: 'bus' }), maxAttempts: config.events.maxAttempts, retry });
    const local = new Set(selected.map((m) => m.name));
    let app: App | undefined;
    const transport: Transport = (module, request) => {
      if (!local.has(module) || !app) throw new CleaveError('unavailable', 'host/module-unavailable', `Module ${module} is not hosted here.`);
      return Promise.resolve(app.fetch(request));
    };

    const consumers = new Map<string, Consumer>();
    const hosted: HostedModule[] = selected.map((definition) => {
      const tables = eventTables(definition.name);
      const log = logger.child({ module: definition.name });
      const relay = createRelay({ db: database.db, tables, bus, log, sweepMs: config.events.sweepMs, claimMs: config.events.claimMs, retry });
      const uses = new Set((definition.uses ?? []).map((c) => c.module));
      const context: ModuleContext = {
        module: definition.name,
        db: database.db,
        log,
        outbox: createOutbox(tables, definition.name),
        async transaction(fn) {
          const result = await database.db.transaction(fn);
          relay.wake();
          return result;
        },
        client<C extends Contract>(contract: C) {
          if (!uses.has(contract.module)) throw new Error(`Module ${definition.name} calls ${contract.module} but does not list it in \`uses\`.`);
          return createClient(contract, transport, definition.name);
        },
      };
      const deadLetters = createDeadLetterStore(definition.name, database.db, tables);
      for (const subscription of definition.subscriptions ?? []) {
        const consumer = createConsumer({ module: definition.name, db: database.db, tables, deadLetters, subscription, context, log, afterCommit: () => relay.wake() });
        consumers.set(consumer.id, consumer);
        bus.subscribe(consumer);
      }
      return { definition, context, relay, deadLetters };
    });

    app = createApp({ logger, bodyLimitBytes: config.http.bodyLimitBytes, moduleOf: (path) => moduleOfPath(path, local) });
    for (const m of hosted) app.route('/', m.definition.routes(m.context));
    app.route('/', opsRoutes({ deadLetters: () => hosted.map((m) => m.deadLetters), consumer: (id) => consumers.get(id) }));
    mountOpenApi(app, hosted.map((m) => m.definition));
    mountDocs(app, '/openapi.json');
    mountHealth(app, () =>
      hosted.map((m) => ({ module: m.definition.name, checks: [...platformChecks(m, database), ...(m.definition.health?.(m.context) ?? [])] })),
    );

    if (options.startRelays ?? true) for (const m of hosted) m.relay.start();

    let stopping: Promise<void> | undefined;
    return {
      app,
      modules: hosted,
      database,
      bus,
      logger,
      async seed() {
        for (const m of hosted) await m.definition.seed?.(m.context);
      },
      stop() {
        stopping ??= (async () => {
          await bus.close();
          await Promise.all(hosted.map((m) => m.relay.stop()));
          if (!options.database) await database.close();
        })();
        return stopping;
      },
    };
  } catch (error) {
    if (!options.database) await database.close().catch(() => {});
    throw error;
  }
}

function selectModules(all: readonly ModuleDefinition[], names: string[] | undefined): ModuleDefinition[] {
  const known = new Map(all.map((m) => [m.name, m]));
  if (!names) return [...all];
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((n) => ({ variable: 'MODULES', message: `unknown module "${n}"; known modules: ${[...known.keys()].join(', ')}` })));
  }
  return names.map((n) => known.get(n) as ModuleDefinition);
}

/** A hosted module that calls a module not hosted here cannot work (remote modules arrive with extraction). */
function checkTopology(selected: ModuleDefinition[]): void {
  const local = new Set(selected.map((m) => m.name));
  const problems = selected.flatMap((m) =>
    (m.uses ?? [])
      .filter((c) => !local.has(c.module))
      .map((c) => ({ variable: 'MODULES', message: `module "${m.name}" calls "${c.module}", which is not hosted in this process` })),
  );
  if (problems.length > 0) throw new ConfigError(problems);
}

function platformChecks(m: HostedModule, database: DatabaseHandle): HealthCheck[] {
  return [
    {
      name: 'database',
      check: async () => {
        await database.db.execute(sql`select 1`);
        return database.kind;
      },
    },
    {
      name: 'migrations',
      check: async () => {
        const pending = await pendingMigrations(database.db, m.definition.name, m.definition.migrations);
        if (pending > 0) throw new Error(`${pending} migration(s) not applied`);
        return 'up to date';
      },
    },
    {
      name: 'outbox-relay',
      check: async () => {
        if (!m.relay.running) throw new Error('relay stopped');
        return `${m.relay.inFlight} in flight`;
      },
    },
  ];
}

function moduleOfPath(path: string, local: ReadonlySet<string>): string | undefined {
  const first = path.split('/', 2)[1];
  return first && local.has(first) ? first : undefined;
}
