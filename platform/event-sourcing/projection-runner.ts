import { sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/index.ts';
import { errorChain, runInSpan, SpanKind, type ExecutionContext, type Logger, type Tracing } from '../observability/index.ts';
import type { AnyProjection } from './define-projection.ts';
import { EventSourcingError } from './errors.ts';
import { lockCheckpoint, projectBatch, type HandleWrapper } from './projection-batch.ts';
import { beginRebuild, ensureProjection, lockBoth, projectionTables, rebuildKey, swapIn } from './projection-tables.ts';
import { readStatus, type ProjectionStatus } from './projection-status.ts';
import { rowsOf, storeTables } from './sql-names.ts';

export interface ProjectionRunnerOptions {
  /** The owning module; its schema holds the streams, checkpoints and read models. */
  module: string;
  db: Db;
  projections: readonly AnyProjection[];
  log: Logger;
  /** How often it looks for new events when not woken (an open transaction holds it back until it ends). */
  pollMs: number;
  /** Most events handled in one transaction. */
  batchSize?: number;
  /** A span for each event a live projection handles, in the trace of the work that appended it (not for rebuilds). */
  tracing?: Tracing | undefined;
}

/** `project <projection>` spans: each event's handling, parented by the appending work's trace context. */
function handleSpans(tracing: Tracing, module: string, projection: AnyProjection): HandleWrapper {
  return async (event, handle) => {
    const context: ExecutionContext = { correlationId: event.streamId, causationId: `${event.aggregate}:${event.streamId}:${event.version}` };
    const span = tracing.startSpan(
      `project ${projection.name}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'cleave.module': module,
          'cleave.projection': projection.name,
          'cleave.aggregate': event.aggregate,
          'cleave.event.name': event.name,
          'cleave.stream.version': event.version,
        },
        traceparent: event.traceparent,
      },
      context,
    );
    return runInSpan(span, context, handle);
  };
}

export interface ProjectionRunner {
  start(): void;
  stop(): Promise<void>;
  /** Asks for a pass now (after a transaction that appended commits). */
  wake(): void;
  readonly running: boolean;
  /**
   * Starts rebuilding `name` from the streams into shadow tables; the runner swaps them in once caught up. `record`
   * runs in the same transaction (the operator's audit entry). Throws `platform/unknown-projection` (not_found) or
   * `platform/projection-rebuild-running` (conflict).
   */
  rebuild(name: string, record?: (tx: Tx) => Promise<unknown>): Promise<void>;
  /**
   * Each projection's position, lag and rebuild, read from the database (so what any replica did shows). Callers at
   * the same time share one read, which waits at most `statusLockMs` for a lock on the store's tables (an operator's
   * `lock table`, a migration) and then fails with SQLSTATE 55P03 (a 503 `db/unavailable` on a route) rather than
   * holding a connection until the statement timeout: the operations page, health and metrics all ask for it.
   */
  status(): Promise<ProjectionStatus[]>;
  /** Runs passes until a pass finds nothing to do (tests and tools; the loop does the same in the background). */
  drain(): Promise<void>;
}

/**
 * Runs a module's projections: each pass handles, per projection, the events committed since its checkpoint (see
 * projectBatch for the order and the late-commit rule), then feeds a running rebuild and swaps it in once it has
 * caught up. Checkpoint rows are locked `FOR UPDATE SKIP LOCKED`, so replicas of the module share the work without
 * handling an event twice. A failing `handle` rolls its batch back, is logged and kept in `lastError`, and is retried
 * on the next pass.
 */
/** How long a swap waits for the live tables' readers before it gives up for this pass. */
const swapLockMs = 500;
/** How long a status read waits for a lock on the store's tables. */
const statusLockMs = 2000;

export function createProjectionRunner(options: ProjectionRunnerOptions): ProjectionRunner {
  const { module: schema, db, projections, log } = options;
  const batch = options.batchSize ?? 200;
  const ready = new Set<string>();
  let stopped = true;
  let loop: Promise<void> | undefined;
  let woken = false;
  let wakeUp: (() => void) | undefined;

  const find = (name: string) => {
    const p = projections.find((x) => x.name === name);
    if (!p) throw new EventSourcingError('not_found', 'platform/unknown-projection', `Module ${schema} has no projection ${name}.`, { projection: name });
    return p;
  };
  const prepare = async (p: AnyProjection) => {
    if (ready.has(p.name)) return;
    await db.transaction((tx) => ensureProjection(tx, schema, p));
    ready.add(p.name);
  };

  /** One batch of `key` into its tables; how many events it read (0 also when another replica holds it). */
  const step = (p: AnyProjection, shadow: boolean) =>
    db.transaction(async (tx) => {
      const from = await lockCheckpoint(tx, schema, shadow ? rebuildKey(p) : p.name, true);
      // A live model of another version waits for its rebuild to replace it; a rebuild of another version is fed by
      // the replicas that run it (an older replica during a rollout would fill the new tables with its old `handle`).
      if (!from || from.version !== p.version) return 0;
      const around = !shadow && options.tracing?.enabled ? handleSpans(options.tracing, schema, p) : undefined;
      return (await projectBatch(tx, schema, p, from, projectionTables(schema, p, shadow), batch, around)).read;
    });

  const swap = (p: AnyProjection) =>
    db
      .transaction(async (tx) => {
        let at = await lockBoth(tx, schema, p);
        if (!at || at.version !== p.version) return false;
        // Dropping the live tables waits for every reader of them (a report, a pg_dump) and, while it waits, queues
        // every new reader behind it: so it waits at most `swapLockMs`, and the swap is tried again on a later pass.
        await tx.execute(sql.raw(`set local lock_timeout = ${swapLockMs}`));
        // The last events, with the live checkpoint held: nothing is handled into the old model meanwhile.
        for (let read = batch; read === batch;) ({ read, checkpoint: at } = await projectBatch(tx, schema, p, at, projectionTables(schema, p, true), batch));
        await swapIn(tx, schema, p, at);
        log.info({ projection: p.name, version: p.version }, 'projection rebuilt and swapped in');
        return true;
      })
      .catch((error: unknown) => {
        if (![...errorChain(error)].some((e) => (e as { code?: unknown }).code === '55P03')) throw error;
        log.warn({ projection: p.name }, 'projection rebuild caught up, but a reader holds its live tables; swapping it in on a later pass');
        return false;
      });

  const run = async (p: AnyProjection): Promise<number> => {
    await prepare(p);
    let work = 0;
    for (let read = batch; read === batch && !stopped; work += read) read = await step(p, false);
    for (let read = batch; read === batch && !stopped; work += read) read = await step(p, true);
    if (!stopped && (await rebuilding(p))) work += (await swap(p)) ? 1 : 0;
    return work;
  };
  const rebuilding = async (p: AnyProjection) =>
    rowsOf(await db.execute(sql`select 1 from ${storeTables(schema).checkpoints} where "projection" = ${rebuildKey(p)} and "version" = ${p.version}`)).length >
    0;

  const pass = async (): Promise<number> => {
    let work = 0;
    for (const p of projections) {
      try {
        work += await run(p);
      } catch (error) {
        log.error({ err: error, projection: p.name }, 'projection batch failed; retried on the next pass');
        await db
          .execute(
            sql`update ${storeTables(schema).checkpoints} set "last_error" = ${String((error as Error).message ?? error)} where "projection" = ${p.name}`,
          )
          .catch(() => {});
      }
    }
    return work;
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });
  let statusRead: Promise<ProjectionStatus[]> | undefined;
  const status = () =>
    (statusRead ??= db
      .transaction(async (tx) => {
        await tx.execute(sql.raw(`set local lock_timeout = ${statusLockMs}`));
        return readStatus(tx, schema, projections);
      })
      .finally(() => (statusRead = undefined)));

  return {
    get running() {
      return !stopped;
    },
    start() {
      if (!stopped || projections.length === 0) return;
      stopped = false;
      loop = (async () => {
        while (!stopped) {
          woken = false;
          const work = await pass();
          if (!stopped && work === 0 && !woken) await sleep(options.pollMs);
        }
      })();
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await loop;
      loop = undefined;
    },
    wake() {
      woken = true;
      wakeUp?.();
    },
    async rebuild(name, record) {
      const p = find(name);
      await prepare(p);
      await db.transaction(async (tx) => {
        await beginRebuild(tx, schema, p, true);
        await record?.(tx);
      });
      log.info({ projection: p.name, version: p.version }, 'projection rebuild started');
      this.wake();
    },
    status,
    async drain() {
      const was = stopped;
      stopped = false;
      try {
        while ((await pass()) > 0);
      } finally {
        stopped = was;
      }
    },
  };
}
