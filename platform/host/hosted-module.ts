import { sql } from 'drizzle-orm';
import { auditTables, createAuditLog, createCheckpointer, type AuditLog, type Checkpointer, type CheckpointSigner } from '../audit/index.ts';
import type { Config } from '../config/index.ts';
import { createClient, type Contract, type Fallbacks, type LocalDispatch, type Transport } from '../contracts/index.ts';
import { pendingMigrations, readMigrations, withTransactionDeadline, type DatabaseHandle } from '../db/index.ts';
import {
  consumerBatching,
  createConsumer,
  createDeadLetterStore,
  createOutbox,
  createRelay,
  eventTables,
  type Consumer,
  type DeadLetterStore,
  type EventBus,
  type Relay,
} from '../events/index.ts';
import {
  createIdempotencyGate,
  createIdempotencyStore,
  idempotencyTables,
  moduleTransaction,
  scopedDb,
  type IdempotencyGate,
  type IdempotencyStore,
  type TransactionHooks,
} from '../idempotency/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { Logger, Tracing } from '../observability/index.ts';
import type { ProjectionRunner } from '../event-sourcing/index.ts';
import type { SagaRunner } from '../sagas/index.ts';
import type { HealthCheck, ModuleContext, ModuleDefinition } from './define-module.ts';
import type { BuildDeclarations } from './access-declarations.ts';
import { hostProjections } from './hosted-projections.ts';
import { platformMigrations } from './migrate-module.ts';
import { moduleSagas } from './module-sagas.ts';
import { createRetentionJob, type RetentionJob } from './retention-job.ts';
import { retentionPlan } from './retention-plan.ts';

/** How long a relay's read of its outbox may wait before readiness warns of it (normally milliseconds). */
const claimHeldAfterMs = 5_000;

export interface HostedModule {
  definition: ModuleDefinition;
  context: ModuleContext;
  database: DatabaseHandle;
  relay: Relay;
  /** Deletes or anonymises rows past their declared retention (delivery records included). */
  retention: RetentionJob;
  deadLetters: DeadLetterStore;
  /** The module's `Idempotency-Key` store, in its own schema. */
  idempotency: IdempotencyStore;
  /** Claims, replays and refuses keys for every path into the module (HTTP and direct calls). */
  idempotencyGate: IdempotencyGate;
  /** The module's audit trail, and what signs its chain head from time to time. */
  audit: AuditLog;
  checkpointer: Checkpointer;
  /** Builds the module's read models; absent when it declares no projection. */
  projections: ProjectionRunner | undefined;
  /** The module's background work besides the relay (retention job, projections); `stop` ends the relay too. */
  workers: { start(): void; stop(): Promise<void> };
  /** The runner of the module's sagas, when it declares any; the host starts and stops it. */
  sagas: SagaRunner | undefined;
  /** The platform's checks (database, migrations, relay, projections, sagas) and the module's own. */
  checks(): HealthCheck[];
  /** How many of the module's migrations (its own and the platform's tables) its database has not applied. */
  pendingMigrations(): Promise<number>;
  /** Events the module's consumers are handling now, by consumer (what a forced shutdown abandons). */
  deliveriesInFlight(): { consumer: string; eventId: string; event: string }[];
}

export interface HostModuleOptions {
  definition: ModuleDefinition;
  database: DatabaseHandle;
  /** Only this process uses `database`, one transaction at a time (PGlite opened by the host). */
  exclusive: boolean;
  bus: EventBus;
  transport: Transport;
  /** Calls to modules in this process, without HTTP. */
  local: LocalDispatch;
  /** The module's credential on the direct path, issued by the host. */
  handle: object;
  /** Every scope the application's routes declare, and which modules consume which events. */
  declared: BuildDeclarations;
  config: Config;
  logger: Logger;
  /** Collects this module's consumers by id (for dead-letter replay). */
  consumers: Map<string, Consumer>;
  tracing: Tracing;
  /** The host's metrics, when on: relay dispatches, module calls, outbox and dead-letter gauges. */
  metrics?: Metrics | undefined;
  /** Gets the module's audit chain head signed by identity. */
  signer: CheckpointSigner;
}

/** Wires one module into a host: its context (database, outbox, clients), relay, consumers and health checks. */
export function hostModule(options: HostModuleOptions): HostedModule {
  const { definition, database, bus, config, tracing, metrics } = options;
  // PGlite ignores statement timeouts and serves every module on one connection: the application ends stuck
  // transactions there. PostgreSQL pools carry statement_timeout and idle_in_transaction_session_timeout instead.
  const db = database.kind === 'pglite' ? withTransactionDeadline(database.db, config.database.transactionTimeoutMs) : database.db;
  const tables = eventTables(definition.name);
  const log = options.logger.child({ module: definition.name });
  const retry = { baseMs: config.events.retryBaseMs, maxMs: config.events.retryMaxMs };
  const relay = createRelay({
    db,
    tables,
    bus,
    log,
    sweepMs: config.events.sweepMs,
    leaseMs: config.events.leaseMs,
    retry,
    events: definition.contract.events,
    tracing,
    onDispatch: metrics?.events.relay(definition.name),
    exclusive: options.exclusive,
  });
  const retention = createRetentionJob({
    module: definition.name,
    db,
    plan: retentionPlan(definition, config),
    log,
    onRows: (table, action, rows) => metrics?.retention.rows(definition.name, table, action, rows),
    onRun: (at) => metrics?.retention.ran(definition.name, at),
  });
  const projections = hostProjections(definition, db, config, log, metrics, tracing, options.exclusive);
  // A module transaction is tracked by the relay, which hands the events it committed to the bus itself. What else a
  // committed transaction may have written: stream events for the projections, a saga for the saga runner.
  const transactionHooks: TransactionHooks = {
    begin: (tx, parent) => relay.track(tx, parent),
    committed: (tx) => {
      relay.committed(tx);
      projections.runner?.wake();
      sagas.afterCommit();
    },
  };
  const uses = new Set((definition.uses ?? []).map((c) => c.module));
  const idempotency = createIdempotencyStore({
    db,
    tables: idempotencyTables(definition.name),
    ttlMs: config.idempotency.ttlMs,
    lockMs: config.idempotency.lockMs,
    log,
  });
  const audits = auditTables(definition.name);
  const audit = createAuditLog(definition.name, db);
  const checkpointer = createCheckpointer({ module: definition.name, db, tables: audits, signer: options.signer, log });
  const sagas = moduleSagas(definition, db, log, audit, metrics, () => context, config.faults, tracing, options.exclusive);
  const context: ModuleContext = {
    module: definition.name,
    scopes: options.declared.scopes,
    consumersOf: options.declared.consumersOf,
    config,
    // In a request with an Idempotency-Key, the held effect transaction while there is one.
    db: scopedDb(definition.name, db),
    log,
    outbox: createOutbox(tables, definition.name, tracing, relay),
    audit,
    sagas: sagas.starter,
    transaction: (fn) => moduleTransaction(definition.name, db, fn, transactionHooks, database.db),
    client<C extends Contract>(contract: C, clientOptions: { fallbacks?: Fallbacks<C> } = {}) {
      if (!uses.has(contract.module)) throw new Error(`Module ${definition.name} calls ${contract.module} but does not list it in \`uses\`.`);
      const meter = metrics?.callMeter(definition.name, contract.module);
      return createClient(contract, options.transport, definition.name, { ...clientOptions, local: options.local, handle: options.handle, meter, tracing });
    },
  };
  const deadLetters = createDeadLetterStore(definition.name, db, tables);
  metrics?.events.watch(definition.name, db, tables);
  const ownConsumers: ReturnType<typeof createConsumer>[] = [];
  for (const subscription of definition.subscriptions ?? []) {
    const batching = consumerBatching(database.kind, config.events.inboxBatch);
    const consumer = createConsumer({
      module: definition.name,
      db,
      tables,
      deadLetters,
      subscription,
      context,
      log,
      tracing,
      batching,
      // What a handler's transaction may have written besides events: stream events, a saga start.
      afterCommit: () => {
        relay.wake();
        projections.runner?.wake();
        sagas.afterCommit();
      },
    });
    options.consumers.set(consumer.id, consumer);
    ownConsumers.push(consumer);
    bus.subscribe(consumer);
  }
  // Read once: the files do not change while the process runs, and readiness is probed every few seconds.
  const migrations = [...readMigrations(definition.migrations), ...platformMigrations(definition)];
  const platformChecks: HealthCheck[] = [
    {
      name: 'database',
      check: async () => {
        await db.execute(sql`select 1`);
        return database.describe.replace(/^(\S+).*?( as \S+)?$/, '$1$2');
      },
    },
    {
      name: 'migrations',
      check: async () => {
        const pending = await pendingMigrations(db, definition.name, migrations);
        if (pending > 0) throw new Error(`${pending} migration(s) not applied`);
        return 'up to date';
      },
    },
    {
      name: 'outbox-relay',
      check: async () => {
        if (!relay.running) throw new Error('relay stopped');
        return `${relay.inFlight} in flight`;
      },
    },
    {
      // Not critical: what stops the relay reading the outbox (a lock on it) stops every replica alike; out of service,
      // they would also stop serving what still works (reads, other modules).
      name: 'outbox-claims',
      critical: false,
      check: async () => {
        const failing = relay.passFailing;
        if (failing)
          throw new Error(`the relay cannot read the outbox since ${failing.since.toISOString()}; its events wait there (a lock on the table?)`, {
            cause: failing.error,
          });
        // A read that takes seconds is held (a lock on the table); it fails only once the statement timeout ends it.
        const waited = relay.claimWaitingMs ?? 0;
        if (waited > claimHeldAfterMs)
          throw new Error(`the relay's read of the outbox has waited ${Math.round(waited / 1000)} s; its events wait there (a lock on the table?)`);
        return 'reading';
      },
    },
    {
      // Not critical: the module's writes still succeed (their events wait in the outbox), so the host stays ready.
      name: 'event-dispatch',
      critical: false,
      check: async () => {
        const refusing = relay.refusing;
        if (refusing?.by === 'conversion') {
          throw new Error(
            `${refusing.count} dispatch(es) failed since ${refusing.since.toISOString()}, the latest because an event could not be converted to an older version its consumers read (the module's downcast fails: a code defect, logged as an error); the events wait in the outbox until a release fixes it (the rows' last_error names the event)`,
          );
        }
        if (refusing) {
          throw new Error(
            // The reason (an address, say) stays out of this public page: the log and the rows' last_error have it.
            `the ${bus.kind} bus refused ${refusing.count} dispatch(es) since ${refusing.since.toISOString()}; the events wait in the outbox (the reason is in the log and the outbox rows' last_error)`,
          );
        }
        // Also before any event went out (or for a module that publishes none): nothing was refused.
        return 'no refusal';
      },
    },
    {
      name: 'event-routing',
      critical: false,
      check: async () => {
        // The subscription table gone holds every module's events; a module expected elsewhere only its publishers'.
        const paused = bus.routingPausedFor(definition.name);
        if (paused) throw new Error(paused);
        return bus.kind;
      },
    },
    ...projections.checks,
  ];
  const own = definition.health?.(context) ?? [];
  return {
    definition,
    context,
    database,
    relay,
    retention,
    deadLetters,
    idempotency,
    idempotencyGate: createIdempotencyGate(definition.name, idempotency),
    deliveriesInFlight: () =>
      ownConsumers.flatMap((consumer) => consumer.inFlight().map((envelope) => ({ consumer: consumer.id, eventId: envelope.id, event: envelope.name }))),
    audit,
    checkpointer,
    projections: projections.runner,
    workers: {
      start() {
        retention.start(config.retention.pruneIntervalMs);
        projections.runner?.start();
      },
      async stop() {
        await projections.runner?.stop();
        await retention.stop();
        await relay.stop();
      },
    },
    sagas: sagas.runner,
    checks: () => [...platformChecks, ...sagas.checks, ...own],
    pendingMigrations: () => pendingMigrations(db, definition.name, migrations),
  };
}
