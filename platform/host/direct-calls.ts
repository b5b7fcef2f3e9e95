import type { RouteConfig } from '@hono/zod-openapi';
import type { CallResult, DirectCall, LocalDispatch } from '../contracts/index.ts';
import { CleaveError, parseIdempotencyKey, problem, textRuleViolation, type Problem, type Refusal, type UndeclaredProblems } from '../http/index.ts';
import { accessNeeds, allows } from '../http/access.ts';
import type { RouteHandler } from '../http/route-handlers.ts';
import { keyScope, requestFingerprint, type IdempotencyGate } from '../idempotency/index.ts';
import { runInContext, type Logger, type Tracing } from '../observability/index.ts';
import { Semaphore } from '../resilience/index.ts';
import type { CallerHandles } from '../security/index.ts';
import { Deadlines } from './deadlines.ts';
import { internalProblem, problemAnswer, replay, respond, result, snapshot } from './direct-answers.ts';
import { Flight, routeFacts, type Provided } from './direct-flight.ts';
import { searchOf } from './direct-input.ts';

/** A module hosted in this process, as the direct path reaches it. */
export interface DirectProvider {
  module: string;
  /** Its contract routes' handlers, as its router registered them. */
  handlers: ReadonlyMap<RouteConfig, RouteHandler>;
  gate: IdempotencyGate;
  log: Logger;
  /** Calls in flight to this module at once (its in-process resource quota), and how many may wait for a slot. */
  maxConcurrent: number;
  maxQueued: number;
  /**
   * Runs before each call (on embedded PGlite: commit the caller's held effect, the callee needs the connection);
   * `undefined` when there is nothing to wait for.
   */
  beforeCall?: () => Promise<void> | undefined;
}

export interface DirectCallsOptions {
  providers: readonly DirectProvider[];
  /** The same limit remote calls have; the handler's `c.req.raw.signal` aborts when it passes. */
  timeoutMs: number;
  undeclaredProblems: UndeclaredProblems;
  /** The handles the host issued to its modules: a call's `handle` names its calling module. */
  handles: CallerHandles;
  /** A server span per call, child of the caller's client span, when tracing is on. */
  tracing?: Tracing;
  /** Told of every 401 and 403 the direct path answers, as the HTTP path's `authorize` tells its own. */
  onRefused?: (refusal: Refusal) => void;
}

export interface DirectCallStats {
  inFlight: number;
  queued: number;
}

export interface DirectCalls {
  dispatch: LocalDispatch;
  stats(): Record<string, DirectCallStats>;
  /** The handles callers present (the host issues one to each module it runs). */
  handles: CallerHandles;
  /** Stops the deadline clock (a host's `stop`). */
  close(): void;
}

/**
 * The direct in-process path (docs/module-calls.md): a call to a module hosted in this process runs its route's handler
 * without `Request`, `Response` or a JSON round trip, through the steps a network request takes, in order:
 * the provider's concurrency limit and the call's timeout; the execution context derived from the caller's
 * (request id, correlation, trace, calling module); `Idempotency-Key` claim, replay or refusal; input validation by
 * the route's schemas and the platform's text rule (400/428), over fresh copies of what the caller passed; the
 * handler; the same problem mapping and declared-problem check, raised to the caller as the `RemoteProblemError` HTTP
 * would give; the answer copied with JSON semantics, with the route's deprecation headers.
 */
export function createDirectCalls(options: DirectCallsOptions): DirectCalls {
  const deadlines = new Deadlines<Flight>(options.timeoutMs);
  const providers = new Map<string, Provided>(
    options.providers.map((p) => [p.module, { provider: p, limiter: new Semaphore(p.maxConcurrent, p.maxQueued), deadlines, options }]),
  );
  const dispatch: LocalDispatch = (module, call) => {
    const entry = providers.get(module);
    const handler = entry?.provider.handlers.get(call.route);
    if (!entry || !handler || routeFacts(call.route).readsForm) return undefined;
    const signal = call.options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const before = entry.provider.beforeCall?.();
    if (before) return before.then(() => admit(entry, handler, call));
    return admit(entry, handler, call);
  };
  return {
    dispatch,
    stats: () => Object.fromEntries([...providers].map(([module, { limiter }]) => [module, { inFlight: limiter.inFlight, queued: limiter.queued }])),
    handles: options.handles,
    close: () => deadlines.close(),
  };
}

/** Takes a slot of the provider's limit (or a place in its queue), then runs the call under its timeout. */
function admit(entry: Provided, handler: RouteHandler, call: DirectCall): Promise<CallResult> {
  const { provider, limiter } = entry;
  const acquired = limiter.acquire();
  if (acquired === false) return Promise.reject(saturated(provider.module));
  return new Promise<CallResult>((resolve, reject) => {
    const flight = new Flight(entry, handler, call, resolve, reject);
    if (acquired === true) void fly(flight);
    else void acquired.then(() => fly(flight));
  });
}

/**
 * Runs a call that holds a slot, and gives the slot back when its handler really ends, even if the caller stopped
 * waiting: the limit bounds work, not callers.
 */
async function fly(flight: Flight): Promise<void> {
  try {
    if (flight.abandoned) return;
    flight.succeed(await runInContext(flight.context, exchange, flight));
  } catch (error) {
    flight.fail(error);
  } finally {
    flight.limiter.release();
  }
}

/**
 * `Idempotency-Key` handling around validation and the handler, when the call is unsafe and carries a key; else
 * straight to them. Synchronous where the handler is, so that a call makes as few promises as it can (each one
 * costs AsyncLocalStorage's hooks on Node 20).
 */
function exchange(flight: Flight): CallResult | Promise<CallResult> {
  const refused = refusal(flight);
  if (refused) {
    flight.options.onRefused?.({
      status: refused.status as 401 | 403,
      code: refused.code,
      method: flight.method,
      path: flight.path(),
      principal: flight.principal,
      requestId: flight.requestId,
      correlationId: flight.context.correlationId,
    });
    return result(flight, problemAnswer(flight, refused));
  }
  const key = flight.unsafe ? parseIdempotencyKey(flight.call.options.idempotencyKey) : undefined;
  // Not for an operation that takes no key (its answers carry credentials that must not be stored).
  if (key === undefined || flight.metadata?.contract.idempotencyKey === false || textRuleViolation(flight.path()) !== undefined) {
    const answer = respond(flight);
    return answer instanceof Promise ? answer.then((a) => result(flight, a)) : result(flight, answer);
  }
  return keyedExchange(flight, key);
}

async function keyedExchange(flight: Flight, key: string): Promise<CallResult> {
  const keyed = await flight.provider.gate.exchange(
    {
      scope: keyScope(flight.principal),
      method: flight.method,
      path: flight.path(),
      key,
      // The JSON text and the headers the HTTP client would send: the same key and request match across paths.
      fingerprint: requestFingerprint(searchOf(flight.query), flight.body === undefined ? '' : JSON.stringify(flight.body), flight.headers['if-match']),
    },
    async () => respond(flight),
    { status: (a) => a.status, snapshot },
  );
  if (keyed.kind === 'ran') return result(flight, keyed.answer);
  if (keyed.kind === 'replay') return replay(flight, keyed.response);
  if (keyed.kind === 'refused') {
    const refused = problemAnswer(flight, problem({ status: keyed.status, code: keyed.code, detail: keyed.detail }));
    if (keyed.retryAfterSeconds !== undefined && refused.status === keyed.status) refused.headers.push(['retry-after', String(keyed.retryAfterSeconds)]);
    return result(flight, refused);
  }
  flight.logger.error({ err: keyed.error, requestId: flight.requestId }, 'storing the idempotent answer failed');
  return result(flight, problemAnswer(flight, internalProblem()));
}

/**
 * The route's access, checked as over HTTP (before idempotency and validation): a call without a handle the host
 * issued is 401; a module the access does not admit, calling for a user who lacks the scopes, is 403.
 */
function refusal(flight: Flight): Problem | undefined {
  const access = flight.metadata?.access;
  if (access === undefined || access === 'public') return undefined;
  if (!flight.principal) return problem({ status: 401, code: 'auth/unauthenticated', detail: 'The call carries no caller handle this host issued.' });
  if (allows(access, flight.principal)) return undefined;
  return problem({ status: 403, code: 'auth/insufficient-scope', detail: `This operation needs ${accessNeeds(access)}.` });
}

function saturated(module: string): CleaveError {
  return new CleaveError('unavailable', 'http/upstream-saturated', `Too many calls to module ${module} are in flight.`, {
    details: { module },
    retryAfterSeconds: 1,
  });
}
