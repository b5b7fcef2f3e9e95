import type * as CockatielModule from 'cockatiel';
import type { CircuitState, DelegateBackoff, IBackoff, IRetryBackoffContext } from 'cockatiel';

type Cockatiel = typeof CockatielModule;

/** The adapter over cockatiel: the only file that knows the library. Callers see plain functions and errors. */

/** Circuit breaker state as shown on /ops and in health checks. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Why a call was refused before it ran. */
export type RejectionReason = 'circuit-open' | 'saturated';

/** What failed on an attempt: a thrown error, or a result judged a failure. */
export type AttemptFailure<T> = { error: Error } | { value: T };

export interface CallPolicyOptions<T> {
  /** Further attempts after the first, for calls that may be retried. */
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Consecutive failed calls that open the breaker. */
  breakerThreshold: number;
  breakerHalfOpenAfterMs: number;
  maxConcurrent: number;
  maxQueued: number;
  /** A thrown error that is the remote side's fault (network, timeout): retried, and counted by the breaker. */
  isTransientError(error: Error): boolean;
  /** A result worth another attempt, such as a 503. */
  isRetryableResult(result: T): boolean;
  /** A result the breaker counts as a failure, such as any 5xx. */
  isFailedResult(result: T): boolean;
  /** The least wait the remote side asked for before the next attempt, such as from `Retry-After`. */
  minRetryDelayMs?(result: T): number | undefined;
  onBreakerChange?(state: BreakerState, reopensAt: Date | undefined): void;
  onRetry?(attempt: number, delayMs: number, failure: AttemptFailure<T>): void;
}

export interface CallPolicyStats {
  breaker: BreakerState;
  inFlight: number;
  queued: number;
  /** While open: when the breaker lets a trial call through. */
  reopensAt?: string;
}

export interface CallPolicy<T> {
  /** Runs `attempt` under the bulkhead and the breaker, retrying it when `retry` is set. */
  execute(attempt: (attemptNumber: number) => Promise<T>, options: { retry: boolean; signal?: AbortSignal }): Promise<T>;
  stats(): CallPolicyStats;
}

/** Thrown when the breaker is open or the bulkhead is full; the call never ran. */
export class PolicyRejectedError extends Error {
  readonly reason: RejectionReason;
  /** When the breaker lets a trial call through; only for `circuit-open`. */
  readonly reopensAt: Date | undefined;

  constructor(reason: RejectionReason, reopensAt?: Date) {
    super(reason === 'circuit-open' ? 'The circuit breaker is open.' : 'The concurrency limit and its queue are full.');
    this.name = 'PolicyRejectedError';
    this.reason = reason;
    this.reopensAt = reopensAt;
  }
}

export function isPolicyRejection(error: unknown): error is PolicyRejectedError {
  return error instanceof Error && error.name === 'PolicyRejectedError' && 'reason' in error;
}

function breakerStatesOf(c: Cockatiel): Record<CircuitState, BreakerState> {
  return {
    [c.CircuitState.Closed]: 'closed',
    [c.CircuitState.Open]: 'open',
    [c.CircuitState.HalfOpen]: 'half-open',
    [c.CircuitState.Isolated]: 'open',
  };
}

/**
 * One set of policies for one remote dependency: a bulkhead (outermost, so queued calls meet the breaker's latest
 * state), a consecutive-failure circuit breaker, and retries with exponential backoff and decorrelated jitter.
 * The breaker sees each call once, after its retries: one failed call is one failure.
 *
 * @example
 * const policy = createCallPolicy({ ...limits, isTransientError, isRetryableResult, isFailedResult });
 * const response = await policy.execute(() => fetch(url), { retry: method === 'GET' });
 */
export function createCallPolicy<T>(options: CallPolicyOptions<T>): CallPolicy<T> {
  // cockatiel loads with the first call: a host that never calls a remote module does not pay for it at start-up.
  let built: CallPolicy<T> | undefined;
  let loading: Promise<CallPolicy<T>> | undefined;
  // Calls made while it loads count as in flight (up to the limit) and queued, as they will be once it has loaded.
  let waiting = 0;
  const load = () => (loading ??= import('cockatiel').then((c) => (built = buildCallPolicy(c, options))));
  return {
    async execute(attempt, settings) {
      if (built) return built.execute(attempt, settings);
      waiting++;
      let policy: CallPolicy<T>;
      try {
        policy = await load();
      } finally {
        waiting--;
      }
      return policy.execute(attempt, settings);
    },
    stats() {
      if (built) return built.stats();
      return { breaker: 'closed', inFlight: Math.min(waiting, options.maxConcurrent), queued: Math.max(0, waiting - options.maxConcurrent) };
    },
  };
}

function buildCallPolicy<T>(c: Cockatiel, options: CallPolicyOptions<T>): CallPolicy<T> {
  const breakerStates = breakerStatesOf(c);
  const limiter = c.bulkhead(options.maxConcurrent, options.maxQueued);
  const breaker = c.circuitBreaker(
    c.handleWhen(options.isTransientError).orWhenResult((r) => options.isFailedResult(r as T)),
    {
      halfOpenAfter: options.breakerHalfOpenAfterMs,
      breaker: new c.ConsecutiveBreaker(options.breakerThreshold),
    },
  );
  const retrier = c.retry(
    c.handleWhen(options.isTransientError).orWhenResult((r) => options.isRetryableResult(r as T)),
    {
      maxAttempts: options.retries,
      backoff: withRetryAfter(c, options),
    },
  );

  // cockatiel keeps the opening time private; the breaker's own clock is mirrored here for /ops and error details.
  let reopensAt: Date | undefined;
  breaker.onStateChange((state) => {
    reopensAt = state === c.CircuitState.Open ? new Date(Date.now() + options.breakerHalfOpenAfterMs) : undefined;
    options.onBreakerChange?.(breakerStates[state], reopensAt);
  });
  retrier.onRetry((event) => {
    const failure: AttemptFailure<T> = 'error' in event ? { error: event.error } : { value: event.value as T };
    options.onRetry?.(event.attempt, event.delay, failure);
  });

  return {
    async execute(attempt, { retry: retryable, signal }) {
      try {
        return await limiter.execute(
          () => breaker.execute(() => (retryable && options.retries > 0 ? retrier.execute((context) => attempt(context.attempt), signal) : attempt(0)), signal),
          signal,
        );
      } catch (error) {
        if (c.isBrokenCircuitError(error)) throw new PolicyRejectedError('circuit-open', reopensAt);
        if (c.isBulkheadRejectedError(error)) throw new PolicyRejectedError('saturated');
        // A policy noticed the caller's signal before running the attempt: surface the caller's own reason.
        if (isTaskCancelled(error) && signal?.aborted) throw signal.reason;
        throw error;
      }
    },
    stats() {
      // cockatiel half-opens on the next call after `halfOpenAfter`: with no call, it would say open forever after the
      // module came back (and the breaker alert keep paging). Past that time the next call is a trial: half-open.
      const breakerState = breaker.state === c.CircuitState.Open && reopensAt && reopensAt.getTime() <= Date.now() ? 'half-open' : breakerStates[breaker.state];
      return {
        breaker: breakerState,
        inFlight: options.maxConcurrent - limiter.executionSlots,
        queued: options.maxQueued - limiter.queueSlots,
        ...(breakerState === 'open' && reopensAt ? { reopensAt: reopensAt.toISOString() } : {}),
      };
    },
  };
}

// cockatiel 3.2.1's own isTaskCancelledError tests for the bulkhead's marker instead, so it never matches.
function isTaskCancelled(error: unknown): boolean {
  return error instanceof Error && 'isTaskCancelledError' in error;
}

type RetryContext = IRetryBackoffContext<unknown>;

/** Exponential backoff with jitter, stretched to at least what the remote side asked for. */
function withRetryAfter<T>(c: Cockatiel, options: CallPolicyOptions<T>): DelegateBackoff<RetryContext, IBackoff<unknown>> {
  const exponential = new c.ExponentialBackoff({ initialDelay: options.retryBaseMs, maxDelay: options.retryMaxMs });
  return new c.DelegateBackoff<RetryContext, IBackoff<unknown>>((context, previous) => {
    const next = previous ? previous.next(context) : exponential.next();
    const asked = 'value' in context.result ? options.minRetryDelayMs?.(context.result.value as T) : undefined;
    return { delay: Math.max(next.duration, asked ?? 0), state: next };
  });
}
