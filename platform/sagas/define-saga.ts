import type { z } from 'zod';
import type { Logger } from '../observability/index.ts';
import type { StepFailure } from './store.ts';

/** What a step's `invoke` receives. Pass `idempotencyKey` to every participant call, and `signal` too. */
export interface StepContext<I, C = unknown> {
  sagaId: string;
  input: I;
  /** What the host gives the owning module (its `ModuleContext`): clients, transaction, log. */
  context: C;
  /** `saga:<id>:<step>:invoke` (or `:compensate`): the same on every attempt, so a retry is deduplicated. */
  idempotencyKey: string;
  /** Aborted when the step's timeout passes, the runner loses the saga's lease, or the host stops. */
  signal: AbortSignal;
  /** 1 on the first attempt of this action. */
  attempt: number;
  /** What the steps completed before this one returned, by step name. */
  results: Readonly<Record<string, unknown>>;
  log: Logger;
}

/** What a step's `compensate` receives: `result` is the invoke's, or undefined when its outcome is unknown. */
export interface CompensateContext<I, C = unknown> extends StepContext<I, C> {
  /** Undefined when the invoke failed, timed out or was interrupted: it may still have happened, so undo it by key. */
  result: unknown;
  /** The failure that started the compensation (the step, its problem code, message): e.g. the reason an order is rejected. */
  failure: StepFailure | undefined;
}

export interface StepOptions<I, C = unknown> {
  invoke(ctx: StepContext<I, C>): Promise<unknown>;
  /** Undoes the invoke; must be safe when the invoke never happened, and when it happens after it (key it by saga). */
  compensate?(ctx: CompensateContext<I, C>): Promise<void>;
  /** Per attempt; a timed-out attempt counts as failed with an unknown outcome (default 10 s). */
  timeoutMs?: number;
}

export interface SagaStep<I, C = unknown> extends StepOptions<I, C> {
  readonly name: string;
  readonly timeoutMs: number;
}

/** A point the runner passes while it drives a saga; tests use it to crash at exact places. */
export interface SagaTracePoint {
  saga: string;
  id: string;
  step: string;
  at: 'intent-recorded' | 'invoked' | 'recorded' | 'compensating' | 'compensated' | 'recorded-compensation';
}

export interface SagaTimings {
  /** How often the runner looks for due sagas (default 1000 ms; starts also wake it). */
  pollMs: number;
  /** How long a runner owns a saga it claimed; renewed every third of it while it runs (default 30 s). */
  leaseMs: number;
  /** Backoff between attempts: doubled from `retryBaseMs` up to `retryMaxMs` (defaults 500 ms, 60 s). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Attempts of a step before the point of no return before it counts as failed and compensation starts (3). */
  invokeAttempts: number;
  /** Attempts of one compensation before the saga is `stuck` (5). */
  compensationAttempts: number;
}

export interface SagaDefinition<S extends z.ZodType = z.ZodType, C = unknown> {
  readonly name: string;
  readonly input: S;
  readonly steps: readonly SagaStep<z.output<S>, C>[];
  /** The step after whose success the saga only goes forward; failures up to it (included) compensate. */
  readonly pointOfNoReturn: string;
  readonly timings: SagaTimings;
  readonly trace?: ((point: SagaTracePoint) => void) | undefined;
}

export interface DefineSagaOptions<S extends z.ZodType, C = unknown> {
  name: string;
  input: S;
  steps: readonly SagaStep<z.output<S>, C>[];
  pointOfNoReturn: string;
  timings?: Partial<SagaTimings>;
  trace?: (point: SagaTracePoint) => void;
}

export const defaultSagaTimings: SagaTimings = {
  pollMs: 1000,
  leaseMs: 30_000,
  retryBaseMs: 500,
  retryMaxMs: 60_000,
  invokeAttempts: 3,
  compensationAttempts: 5,
};

/** A saga step: `invoke`, and the `compensate` that undoes it (Medusa's `createStep(invoke, compensate)`). */
export function step<I, C = unknown>(name: string, options: StepOptions<I, C>): SagaStep<I, C> {
  return { ...options, name, timeoutMs: options.timeoutMs ?? 10_000 };
}

/**
 * Declares a saga; list it in the owning module's `sagas` and start it with `ctx.sagas.start(tx, saga, input)`.
 *
 * @example
 * export const checkout = defineSaga({ name: 'checkout', input: z.object({ orderId: z.uuid() }), pointOfNoReturn: 'confirm-order',
 *   steps: [step('reserve-stock', { invoke: …, compensate: … }), step('confirm-order', { invoke: … })] });
 */
export function defineSaga<S extends z.ZodType, C = unknown>(options: DefineSagaOptions<S, C>): SagaDefinition<S, C> {
  const names = options.steps.map((s) => s.name);
  if (new Set(names).size !== names.length) throw new Error(`Saga ${options.name} names a step twice.`);
  if (!names.includes(options.pointOfNoReturn)) throw new Error(`Saga ${options.name}: pointOfNoReturn ${options.pointOfNoReturn} is not one of its steps.`);
  if (!/^[a-z][a-z0-9-]*$/.test(options.name)) throw new Error(`Saga name ${options.name} must be kebab-case.`);
  const timings = { ...defaultSagaTimings, ...options.timings };
  const slowest = Math.max(...options.steps.map((s) => s.timeoutMs));
  // A step outliving the lease could run beside the same step on another replica that took the saga over.
  if (slowest * 2 > timings.leaseMs) throw new Error(`Saga ${options.name}: leaseMs must be at least twice the longest step timeout (${slowest} ms).`);
  return { name: options.name, input: options.input, steps: options.steps, pointOfNoReturn: options.pointOfNoReturn, timings, trace: options.trace };
}

/** The idempotency key of one action of one step of one saga. */
export const sagaKey = (id: string, stepName: string, action: 'invoke' | 'compensate') => `saga:${id}:${stepName}:${action}`;
