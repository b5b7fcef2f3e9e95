import type { AuditLog } from '../audit/index.ts';
import type { Config, ConfigProblem } from '../config/index.ts';
import type { Contract, Client, Fallbacks } from '../contracts/index.ts';
import type { Db, Tx } from '../db/index.ts';
import type { AnyAggregate, AnyProjection } from '../event-sourcing/index.ts';
import { consumerId, type Outbox, type Subscription } from '../events/index.ts';
import type { App } from '../http/index.ts';
import type { Logger } from '../observability/index.ts';
import type { SagaDefinition, SagaStarter } from '../sagas/index.ts';
import { tableDataProblems, type TableData } from '../compliance/index.ts';
import { slosOf, type ModuleSlos } from './slos.ts';

/** What a module's code receives from the host: its database, logger, outbox and clients for other modules. */
export interface ModuleContext {
  module: string;
  /** The process's settings, read once at start-up; a module reads what concerns it. */
  config: Config;
  db: Db;
  log: Logger;
  outbox: Outbox;
  /**
   * The module's tamper-evident audit trail: `audit.record(tx, entry)` inside the transaction of the action it
   * records (see docs/operations/audit-trail.md); `audit.recordAll([entry])` for an action with no transaction (a refused sign-in).
   */
  audit: AuditLog;
  /**
   * Runs `fn` in a transaction and, once it commits, wakes the relay to send what it wrote to the outbox. Effects go
   * through here: in a request with an `Idempotency-Key` the transaction commits together with the key's stored
   * answer, after the handler has produced it.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * A typed client for a module this one declared in `uses`; in-process or HTTP is the host's choice. `fallbacks`
   * declares, per route, what to answer when the provider cannot (see `Fallback`).
   */
  client<C extends Contract>(contract: C, options?: { fallbacks?: Fallbacks<C> }): Client<C>;
  /**
   * Every scope the application's routes declare (all modules of this build, wherever they run), `operator`
   * included: what an authorization server may grant.
   */
  scopes: readonly string[];
  /**
   * The modules of this build that subscribe to an event (by name), wherever they run: who owes an answer to it, as
   * identity's erasure report lists the modules that must confirm an erasure.
   */
  consumersOf(event: string): readonly string[];
  /**
   * Starts one of the module's declared `sagas` inside the transaction of the business change that needs it:
   * `await ctx.sagas.start(tx, checkout, { orderId })` (see docs/operations/sagas.md).
   */
  sagas: SagaStarter;
}

export interface HealthCheck {
  name: string;
  /** `false`: a failure is reported as `warn` and does not fail readiness (it is worth an alert, not a restart). */
  critical?: boolean;
  /** Resolves when healthy (optionally with a detail); throws or rejects when not. */
  check(): Promise<string | void>;
}

export interface ModuleDefinition<C extends Contract = Contract> {
  name: C['module'];
  version: string;
  /** The team that owns the module; feeds the registry, docs and deployment labels. */
  owner: string;
  /** The cost centre its usage is charged to (`GET /ops/costs`, `cleave_module_info`). */
  costCentre: string;
  description: string;
  contract: C;
  /** Absolute path of `migrations/<module>/`. */
  migrations: string;
  /**
   * Classification of each of the module's own tables: `{ classification, retention, legalBasis, subject, columns }`
   * (see docs/operations/data-classification.md). The platform's tables (outbox, inbox, audit, …) have defaults an
   * entry here replaces. A host refuses to start a module whose schema holds a table classified nowhere.
   */
  data?: Record<string, TableData>;
  /** Contracts of the modules this one calls. */
  uses?: readonly Contract[];
  /** Availability and latency objectives for its reads and writes (defaults: `defaultSlos`); alert rules come from them. */
  slos?: ModuleSlos;
  routes(ctx: ModuleContext): App;
  /** Event handlers; `tools.context` is this module's context. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each subscription keeps its own event type
  subscriptions?: readonly Subscription<any, ModuleContext>[];
  /** Event-sourced aggregates (`defineAggregate`) whose streams live in the module's schema. */
  aggregates?: readonly AnyAggregate[];
  /** Read models built from the module's streams (`defineProjection`), run, lag-checked and rebuilt by the host. */
  projections?: readonly AnyProjection[];
  health?(ctx: ModuleContext): HealthCheck[];
  /**
   * Settings the module cannot run without under `config` (a key-encryption key in production): the host asks every
   * module it hosts before it opens a database, and refuses to start naming all that are missing at once.
   */
  requires?(config: Config): ConfigProblem[];
  /** Sagas this module orchestrates: their tables go in its schema and a runner drives them in the background. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each saga keeps its own input type
  sagas?: readonly SagaDefinition<any, ModuleContext>[];
  /** Loads demo data; must do nothing when the data is already there. */
  seed?(ctx: ModuleContext): Promise<void>;
}

/**
 * Declares a module. The host reads everything it needs to mount, migrate, wire and check the module from here.
 *
 * @example
 * export const inventoryModule = defineModule({ name: 'inventory', version: '1.0.0', owner: 'fulfilment', ... });
 */
export function defineModule<C extends Contract>(definition: ModuleDefinition<C>): ModuleDefinition<C> {
  if (definition.name !== definition.contract.module) {
    throw new Error(`Module ${definition.name} must carry its own contract, not ${definition.contract.module}'s.`);
  }
  slosOf(definition);
  for (const owned of [...(definition.aggregates ?? []), ...(definition.projections ?? [])]) {
    if (owned.module !== definition.name) throw new Error(`Module ${definition.name} cannot declare ${owned.name}: it belongs to ${owned.module}.`);
  }
  const consumed = new Set((definition.subscriptions ?? []).map((s) => s.event.name));
  const tables = [
    ...Object.entries(definition.data ?? {}),
    ...(definition.projections ?? []).flatMap((p) => Object.entries(p.data ?? {}) as [string, TableData][]),
  ];
  const problems = tables.flatMap(([table, entry]) => [
    ...tableDataProblems(table, entry),
    ...(entry.copiesOf ?? []).filter((e) => !consumed.has(e)).map((e) => `${table}: keeps copies of ${e}, an event the module does not subscribe to`),
  ]);
  if (problems.length > 0) throw new Error(`Module ${definition.name} classifies its data wrongly:\n- ${problems.join('\n- ')}`);
  return definition;
}

/** The ids of a module's event consumers (`<module>:<handler>`), as its subscriptions, inboxes and registry name them. */
export function consumerIds(definition: ModuleDefinition): string[] {
  return (definition.subscriptions ?? []).map((s) => consumerId(definition.name, s.handler));
}
