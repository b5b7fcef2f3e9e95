import { spanIdsOfFailure, type Logger } from '../observability/index.ts';
import { isDomainError } from '../http/index.ts';
import { attempt, backoffMs, heldByEarlierAttempt, messageOf, retryAfterOf } from './attempt.ts';
import { sagaKey, type SagaDefinition, type SagaTracePoint } from './define-saga.ts';
import type { HistoryEntry, SagaRow, SagaStore, StepFailure, StepRecord } from './store.ts';

export interface DriveOptions {
  saga: SagaDefinition;
  store: SagaStore;
  /** The lease holder's token: every write is conditional on it. */
  owner: string;
  log: Logger;
  /** Aborted when the lease is lost or the host stops: the outcome in flight is then not recorded. */
  signal: AbortSignal;
  onStuck(row: SagaRow): void;
  /** Called once a saga ended, completed or compensated (saved): what failed for a compensated one. */
  onEnded?: ((row: SagaRow, outcome: 'completed' | 'compensated', failure: StepFailure | undefined) => void) | undefined;
  /** The owning module's context, given to every step. */
  context: unknown;
  /** Called at every trace point, after the saga's own `trace` (the runner's fault injection). */
  onTrace?: ((point: SagaTracePoint) => void) | undefined;
  /** Runs each attempt of a step's action (the runner's span around it, when tracing is on). */
  around?: StepWrapper | undefined;
}

/** What runs an attempt of a step's invoke or compensation: `run()` itself, inside whatever the wrapper adds. */
export type StepWrapper = <T>(step: string, action: 'invoke' | 'compensate', attempt: number, run: () => Promise<T>) => Promise<T>;

const direct: StepWrapper = (_step, _action, _attempt, run) => run();

const needsUndo = (record: StepRecord | undefined) => record !== undefined && record.status !== 'compensated';

/**
 * Drives one claimed saga as far as it can go now: forward step by step, or back through its compensations, until it
 * ends, waits (a backoff, the lease given up), or loses its lease. Every transition is saved before the next action, so
 * a crash anywhere resumes from the last saved one; an action interrupted before its outcome was saved runs again with
 * the same idempotency key.
 */
export async function drive(row: SagaRow, options: DriveOptions): Promise<void> {
  const { saga, store, owner, signal } = options;
  const around = options.around ?? direct;
  const t = saga.timings;
  const pivot = saga.steps.findIndex((s) => s.name === saga.pointOfNoReturn);
  const log = options.log.child({ saga: saga.name, sagaId: row.id });
  const trace = (step: string, at: SagaTracePoint['at']) => {
    const point = { saga: saga.name, id: row.id, step, at };
    saga.trace?.(point);
    options.onTrace?.(point);
  };
  const save = (entries: HistoryEntry[], opts: { delayMs?: number; release?: boolean } = {}) => store.save(row, owner, entries, opts);
  // The backoff, or longer when the failure says when to come back (`Retry-After`: a rate limit, an open breaker),
  // never beyond `retryMaxMs`; a key held by an earlier attempt is looked at again at the backoff, at the latest
  // when its lock runs out (the holder may finish sooner).
  const wait = (entries: HistoryEntry[], error?: unknown) => {
    const backoff = backoffMs(row.attempts, t.retryBaseMs, t.retryMaxMs);
    const after = retryAfterOf(error);
    const delayMs = heldByEarlierAttempt(error) ? Math.min(backoff, after ?? backoff) : Math.min(t.retryMaxMs, Math.max(backoff, after ?? 0));
    return save(entries, { delayMs, release: true });
  };
  const results = () => Object.fromEntries(Object.entries(row.steps).flatMap(([name, r]) => (r.status === 'done' ? [[name, r.result]] : [])));
  const context = (name: string, action: 'invoke' | 'compensate', s: AbortSignal) => ({
    sagaId: row.id,
    input: row.input,
    context: options.context,
    idempotencyKey: sagaKey(row.id, name, action),
    signal: s,
    attempt: row.attempts + 1,
    results: results(),
    log,
  });

  while (!signal.aborted) {
    if (row.state === 'running') {
      const current = saga.steps[row.cursor];
      if (!current) {
        row.state = 'completed';
        if (await save([{ action: 'complete', outcome: 'completed' }])) options.onEnded?.(row, 'completed', undefined);
        return;
      }
      const step = current.name;
      if (!row.steps[step]) {
        // The compensation intent goes in before the invoke: whatever happens next, recovery knows to undo this step.
        row.steps[step] = { status: 'attempted' };
        if (!(await save([{ step, action: 'intent', outcome: current.compensate ? 'compensation-recorded' : 'nothing-to-compensate' }]))) return;
        trace(step, 'intent-recorded');
      }
      const out = await attempt(
        (s) => around(step, 'invoke', row.attempts + 1, () => Promise.resolve(current.invoke(context(step, 'invoke', s)))),
        current.timeoutMs,
        signal,
      );
      if (signal.aborted) return;
      trace(step, 'invoked');
      const attemptNo = row.attempts + 1;
      if (out.ok) {
        row.steps[step] = { status: 'done', result: out.value ?? null };
        Object.assign(row, { cursor: row.cursor + 1, attempts: 0, lastError: null });
        if (!(await save([{ step, action: 'invoke', outcome: 'succeeded', attempt: attemptNo }]))) return;
        trace(step, 'recorded');
        continue;
      }
      // A key still held by an earlier attempt is waited out without counting (see `heldByEarlierAttempt`).
      Object.assign(row, { attempts: heldByEarlierAttempt(out.error) ? row.attempts : attemptNo, lastError: messageOf(out.error) });
      const failed: HistoryEntry = {
        step,
        action: 'invoke',
        outcome: out.timedOut ? 'timed-out' : 'failed',
        attempt: attemptNo,
        detail: { error: row.lastError },
      };
      // A provider's refusal (a domain problem, not to be retried: out of stock, card declined) is how a saga is meant
      // to end sometimes: logged by its code, without a stack; anything else as a failure.
      const refused = isDomainError(out.error) && !out.retryable && !out.timedOut;
      // (With the ids of the step's span, which has ended: the line joins the trace.)
      const ids = spanIdsOfFailure(out.error);
      if (refused) log.info({ step, attempt: attemptNo, code: (out.error as { code?: string }).code, detail: row.lastError, ...ids }, 'saga step refused');
      else log.warn({ step, attempt: attemptNo, err: out.error, ...ids }, 'saga step failed');
      if (row.cursor > pivot) {
        // Past the point of no return the saga only goes forward: a failure is retried until the step succeeds. A
        // refusal is not (the participant said no to this request as it stands: an intent voided, a reservation
        // released by hand); nor can the saga undo what it confirmed: it is stuck until an operator retries it (after
        // setting things right) or resolves it.
        if (!refused) return void (await wait([failed], out.error));
        row.state = 'stuck';
        if (await save([failed, { step, action: 'invoke', outcome: 'stuck', detail: { error: row.lastError } }])) options.onStuck(row);
        return;
      }
      if (out.retryable && row.attempts < t.invokeAttempts) return void (await wait([failed], out.error));
      const error: StepFailure = { step, code: isDomainError(out.error) ? out.error.code : null, message: row.lastError ?? '', timedOut: out.timedOut };
      row.steps[step] = { status: 'failed', error };
      Object.assign(row, { state: 'compensating', attempts: 0 });
      if (!(await save([failed, { step, action: 'compensate', outcome: 'started' }]))) return;
      continue;
    }
    if (row.state !== 'compensating') return;
    let index = row.cursor;
    while (index >= 0 && !needsUndo(row.steps[saga.steps[index]?.name ?? ''])) index -= 1;
    row.cursor = index;
    const current = saga.steps[index];
    if (!current) {
      Object.assign(row, { state: 'compensated', lastError: null });
      const failure = Object.values(row.steps).find((r) => r.error)?.error;
      if (await save([{ action: 'compensate', outcome: 'compensated' }])) options.onEnded?.(row, 'compensated', failure);
      return;
    }
    const step = current.name;
    const record = row.steps[step] as StepRecord;
    const compensate = current.compensate;
    // A compensated record keeps the failure it may hold: compensations of earlier steps still need it.
    const undone = { status: 'compensated' as const, ...(record.error ? { error: record.error } : {}) };
    if (!compensate) {
      row.steps[step] = undone;
      if (!(await save([{ step, action: 'compensate', outcome: 'nothing-to-undo' }]))) return;
      continue;
    }
    trace(step, 'compensating');
    const result = record.status === 'done' ? record.result : undefined;
    const failure = Object.values(row.steps).find((r) => r.error)?.error;
    const out = await attempt(
      (s) => around(step, 'compensate', row.attempts + 1, () => Promise.resolve(compensate({ ...context(step, 'compensate', s), result, failure }))),
      current.timeoutMs,
      signal,
    );
    if (signal.aborted) return;
    trace(step, 'compensated');
    const attemptNo = row.attempts + 1;
    if (out.ok) {
      row.steps[step] = undone;
      Object.assign(row, { cursor: index - 1, attempts: 0, lastError: null });
      if (!(await save([{ step, action: 'compensate', outcome: 'succeeded', attempt: attemptNo }]))) return;
      trace(step, 'recorded-compensation');
      continue;
    }
    Object.assign(row, { attempts: heldByEarlierAttempt(out.error) ? row.attempts : attemptNo, lastError: messageOf(out.error) });
    const failed: HistoryEntry = {
      step,
      action: 'compensate',
      outcome: out.timedOut ? 'timed-out' : 'failed',
      attempt: attemptNo,
      detail: { error: row.lastError },
    };
    if (row.attempts < t.compensationAttempts) return void (await wait([failed], out.error));
    row.state = 'stuck';
    if (await save([failed, { step, action: 'compensate', outcome: 'stuck', detail: { error: row.lastError } }])) options.onStuck(row);
    return;
  }
}
