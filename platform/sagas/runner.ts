import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import process from 'node:process';
import type { AuditLog } from '../audit/index.ts';
import type { Db, Executor } from '../db/index.ts';
import { CleaveError } from '../http/index.ts';
import {
  currentContext,
  outsideContext,
  runInContext,
  runInSpan,
  SpanKind,
  traceparentOf,
  type ExecutionContext,
  type Logger,
  type Tracing,
} from '../observability/index.ts';
import type { SagaDefinition, SagaTracePoint } from './define-saga.ts';
import { drive, type DriveOptions, type StepWrapper } from './drive.ts';
import { createSagaStore, type SagaRow, type SagaStore } from './store.ts';

export interface SagaRunnerOptions {
  module: string;
  db: Db;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each saga keeps its own input and context types
  sagas: readonly SagaDefinition<any, any>[];
  log: Logger;
  audit: AuditLog;
  /** Called once when a saga turns `stuck` (after it is logged): the metric's counter. */
  onStuck?: ((row: SagaRow) => void) | undefined;
  /** Called once a saga ended, completed or compensated, with the failure that compensated it: the metrics. */
  onEnded?: DriveOptions['onEnded'];
  /** The module's context, given to steps (read when a saga is driven: it may be made after the runner). */
  context: () => unknown;
  /** Sagas driven at once by this replica (default 8). */
  maxConcurrent?: number;
  /** Called at every trace point of every saga this runner drives, after the saga's own `trace` (fault injection). */
  onTrace?: ((point: SagaTracePoint) => void) | undefined;
  /** Spans for each step attempt, in the trace of the request that started the saga. */
  tracing?: Tracing | undefined;
  /** Told how long each attempt of a step or compensation took (the cost ledger). */
  onStepTimed?: ((seconds: number) => void) | undefined;
  /**
   * Only this process writes the module's sagas (an embedded database the host opened): with nothing due, the runner
   * sleeps until the next saga is due, woken by starts and ends, instead of polling; at most `idlePollMs` (never
   * shorter than the sagas' own poll) as a safety net.
   */
  exclusive?: { idlePollMs: number } | undefined;
}

/**
 * Each attempt of a step's action as an internal span, `invoke checkout/reserve-stock` or `compensate …`, whose
 * parent is the request that started the saga (its stored `traceparent`), and in whose context the step runs: its
 * module calls and statements are the span's children.
 */
/** `around` (or the attempt itself), timed for `onStepTimed`. */
function timedSteps(onStepTimed: ((seconds: number) => void) | undefined, around: StepWrapper | undefined): StepWrapper | undefined {
  if (!onStepTimed) return around;
  return async (step, action, attempt, run) => {
    const started = performance.now();
    try {
      return await (around ? around(step, action, attempt, run) : run());
    } finally {
      onStepTimed((performance.now() - started) / 1000);
    }
  };
}

function stepSpans(tracing: Tracing, module: string, row: SagaRow): StepWrapper {
  return async (step, action, attempt, run) => {
    const context: ExecutionContext = { ...(currentContext() ?? { correlationId: row.id }), ...(row.traceparent ? { traceparent: row.traceparent } : {}) };
    delete context.span;
    const span = tracing.startSpan(
      `${action} ${row.name}/${step}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'cleave.module': module,
          'cleave.saga.name': row.name,
          'cleave.saga.id': row.id,
          'cleave.saga.step': step,
          'cleave.saga.action': action,
          'cleave.saga.attempt': attempt,
        },
      },
      context,
    );
    return runInSpan(span, context, run);
  };
}

export interface StartedSaga {
  id: string;
  /** False when a saga with this id already existed (the start was a repeat); nothing was changed. */
  created: boolean;
  /** The operator's view of it: `/ops/sagas/<module>/<id>`. */
  url: string;
}

/** What a module's code starts sagas with (`ctx.sagas`). */
export interface SagaStarter {
  /**
   * Records a new saga in `tx`, the transaction of the business change that needs it, so both commit or neither; the
   * runner picks it up once committed. `id` (default a UUID) makes a repeated start a no-op.
   */
  start<I>(tx: Executor, saga: SagaDefinition, input: I, options?: { id?: string }): Promise<StartedSaga>;
}

export interface SagaRunner extends SagaStarter {
  readonly module: string;
  readonly store: SagaStore;
  readonly audit: AuditLog;
  readonly definitions: readonly SagaDefinition[];
  readonly running: boolean;
  start<I>(tx: Executor, saga: SagaDefinition, input: I, options?: { id?: string }): Promise<StartedSaga>;
  /** Begins claiming and driving due sagas in the background. */
  run(): void;
  /** Looks for due sagas now rather than at the next poll. */
  wake(): void;
  /** Stops claiming, aborts the actions in flight (their outcomes are not recorded) and gives their leases up. */
  stop(): Promise<void>;
}

/**
 * The background runner of one module's sagas: polls for due sagas (`for update skip locked`, so replicas share them),
 * holds a lease on each while it drives it (renewed every third of `leaseMs`; an expired lease is taken over by any
 * replica), and drives it with the rules of `drive`.
 */
export function createSagaRunner(options: SagaRunnerOptions): SagaRunner {
  const { module, db, log } = options;
  const store = createSagaStore(module, db);
  const byName = new Map(options.sagas.map((s) => [s.name, s]));
  const names = [...byName.keys()];
  const pollMs = Math.min(...options.sagas.map((s) => s.timings.pollMs));
  const leaseMs = Math.max(...options.sagas.map((s) => s.timings.leaseMs));
  const idlePollMs = options.exclusive ? Math.max(pollMs, options.exclusive.idlePollMs) : undefined;
  const maxConcurrent = options.maxConcurrent ?? 8;
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let ticking = false;

  // A wake during a pass is not lost: the pass looks again at once when it ends (rather than at its next time).
  let again = false;
  const schedule = (ms: number) => {
    if (!running) return;
    if (ticking) {
      again = true;
      return;
    }
    clearTimeout(timer);
    // Never inside the request that started a saga: its caller and end user must not ride along (a call made for
    // them would be keyed in their scope, and the same call after a restart in another).
    timer = outsideContext(() => setTimeout(() => void tick(), ms));
  };
  const tick = async () => {
    if (!running || ticking) return;
    ticking = true;
    again = false;
    let next = pollMs;
    try {
      const free = maxConcurrent - active.size;
      const claimed = free > 0 ? await store.claim(owner, leaseMs, free, names) : [];
      for (const row of claimed) take(row);
      // Nothing due now, and room for more: sleep until the next one is (a floor against spinning on a row due now
      // that the claim did not take).
      if (free > 0 && claimed.length === 0 && idlePollMs !== undefined) next = Math.min(idlePollMs, Math.max(50, (await store.nextDue(names)) ?? idlePollMs));
    } catch (error) {
      log.warn({ err: error }, 'saga runner could not claim sagas');
    } finally {
      ticking = false;
      schedule(again ? 0 : next);
    }
  };
  const take = (row: SagaRow) => {
    const saga = byName.get(row.name) as SagaDefinition;
    const controller = new AbortController();
    const renew = setInterval(() => {
      store.renew(row.id, owner, leaseMs).then(
        (held) => held || controller.abort(new Error('saga lease lost')),
        (error: unknown) => log.warn({ err: error, sagaId: row.id }, 'saga lease renewal failed'),
      );
    }, leaseMs / 3);
    const onStuck = (stuck: SagaRow) => {
      log.error(
        { saga: stuck.name, sagaId: stuck.id, error: stuck.lastError },
        'saga stuck: a compensation keeps failing, or a step past the point of no return was refused; an operator must retry or resolve it',
      );
      options.onStuck?.(stuck);
    };
    const run = () =>
      drive(row, {
        saga,
        store,
        owner,
        log,
        signal: controller.signal,
        onStuck,
        onEnded: options.onEnded,
        context: options.context(),
        onTrace: options.onTrace,
        around: timedSteps(options.onStepTimed, options.tracing?.enabled ? stepSpans(options.tracing, module, row) : undefined),
      });
    // Its own unit of work: logs and calls carry the saga's id, and the module's identity alone.
    const done = runInContext({ correlationId: row.id, causationId: `saga:${row.id}` }, run)
      .catch((error: unknown) => log.error({ err: error, sagaId: row.id }, 'saga runner failed; the saga is taken up again when its lease expires'))
      .finally(async () => {
        clearInterval(renew);
        if (controller.signal.aborted) await store.release(row.id, owner).catch(() => {});
        active.delete(row.id);
        if (running) schedule(0);
      });
    active.set(row.id, { controller, done });
  };

  return {
    module,
    store,
    audit: options.audit,
    definitions: options.sagas,
    get running() {
      return running;
    },
    async start(tx, saga, input, startOptions = {}) {
      if (byName.get(saga.name) !== saga) throw new Error(`Module ${module} does not declare saga ${saga.name} in its \`sagas\`.`);
      const parsed = saga.input.safeParse(input);
      if (!parsed.success) throw new CleaveError('invalid', 'sagas/invalid-input', `Input of saga ${saga.name} is invalid: ${parsed.error.message}`);
      const id = startOptions.id ?? randomUUID();
      const created = await store.insert(tx, id, saga.name, parsed.data, traceparentOf(currentContext()));
      // The row is visible once the caller's transaction commits; the poll finds it if this look comes too early.
      setTimeout(() => schedule(0), 20);
      return { id, created, url: `/ops/sagas/${module}/${encodeURIComponent(id)}` };
    },
    run() {
      if (running) return;
      running = true;
      schedule(0);
    },
    wake: () => schedule(0),
    async stop() {
      running = false;
      clearTimeout(timer);
      const inFlight = [...active.values()];
      for (const a of inFlight) a.controller.abort(new Error('host stopping'));
      await Promise.all(inFlight.map((a) => a.done));
    },
  };
}
