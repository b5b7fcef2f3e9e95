import { randomUUID } from 'node:crypto';
import type { RouteConfig } from '@hono/zod-openapi';
import { HeaderList, isProblem, RemoteProblemError, type CallResult, type DirectCall, type LocalDispatch } from '../contracts/index.ts';
import {
  CleaveError,
  isDomainError,
  isUnsafe,
  parseIdempotencyKey,
  problem,
  textRuleViolation,
  type Problem,
  type Refusal,
  type UndeclaredProblems,
} from '../http/index.ts';
import { enforceDeclared } from '../http/declared-problems.ts';
import { DirectContext, isDirectAnswer, type DirectAnswer, type DirectRequestInit } from '../http/direct-context.ts';
import { problemFromError } from '../http/error-handler.ts';
import { validateRequest, type RawRequest, type RequestTarget } from '../http/request-validation.ts';
import { jsonCopy } from '../http/json-copy.ts';
import { routeMetadataOf, type RouteMetadata } from '../http/route.ts';
import type { RouteHandler } from '../http/route-handlers.ts';
import { keyScope, replayedHeader, sha256, type IdempotencyGate, type StoredResponse } from '../idempotency/index.ts';
import { Semaphore } from '../resilience/index.ts';
import { Deadlines } from './deadlines.ts';
import { pathOf, queryOf, searchOf, strings } from './direct-input.ts';
import { currentContext, runInContext, type ExecutionContext, type Logger, type Span, type Tracing } from '../observability/index.ts';
import { directCallSpan, endDirectCallSpan } from './direct-call-span.ts';
import { accessNeeds, allows } from '../http/access.ts';
import { endUserOf, type CallerHandles, type Principal } from '../security/index.ts';

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
 * The direct in-process path (DESIGN.md §4): a call to a module hosted in this process runs its route's handler
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

interface RouteFacts {
  method: string;
  unsafe: boolean;
  /** Operations that read a form (OAuth endpoints) are served by the app: the direct path carries JSON only. */
  readsForm: boolean;
  metadata: RouteMetadata | undefined;
}

const facts = new WeakMap<RouteConfig, RouteFacts>();

/** What a call needs to know of its route, worked out once per route. */
function routeFacts(route: RouteConfig): RouteFacts {
  let known = facts.get(route);
  if (!known) {
    const content = route.request?.body?.content;
    known = {
      method: route.method.toUpperCase(),
      unsafe: isUnsafe(route.method),
      readsForm: content !== undefined && !('application/json' in content),
      metadata: routeMetadataOf(route),
    };
    facts.set(route, known);
  }
  return known;
}

/** A provider as the direct path holds it: its limit, and the host's deadline clock and options. */
interface Provided {
  provider: DirectProvider;
  limiter: Semaphore;
  deadlines: Deadlines<Flight>;
  options: DirectCallsOptions;
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
 * One call on the direct path: its input as the provider sees it, its timeout and abort signal, and how it ends.
 * A class, so that a call allocates one object and no closures on the way.
 */
class Flight implements DirectRequestInit {
  readonly method: string;
  readonly requestId: string;
  readonly logger: Logger;
  readonly module: string;
  readonly params: Record<string, string>;
  readonly query: Record<string, string | string[]>;
  readonly headers: Record<string, string>;
  /** The caller's body, copied with JSON semantics: the provider gets its own objects, as over HTTP. */
  readonly body: unknown;
  readonly unsafe: boolean;
  readonly context: ExecutionContext;
  readonly metadata: RouteMetadata | undefined;
  /** The calling module, from the handle it presented, with the end user it calls for; `undefined` for no valid handle. */
  readonly principal: Principal | undefined;
  valid: Partial<Record<RequestTarget, unknown>> = {};
  #path: string | undefined;
  #controller: AbortController | undefined;
  #abandoned = false;
  #settled = false;
  /** When the caller stops waiting (`Date.now()` time). */
  readonly deadline: number;
  readonly #deadlines: Deadlines<Flight>;

  readonly provider: DirectProvider;
  readonly limiter: Semaphore;
  readonly handler: RouteHandler;
  readonly call: DirectCall;
  readonly options: DirectCallsOptions;
  readonly resolve: (result: CallResult) => void;
  readonly reject: (error: unknown) => void;
  /** The provider side's span, when tracing is on. */
  span: Span | undefined;

  constructor(entry: Provided, handler: RouteHandler, call: DirectCall, resolve: (result: CallResult) => void, reject: (error: unknown) => void) {
    const { provider, limiter, deadlines, options } = entry;
    this.provider = provider;
    this.limiter = limiter;
    this.handler = handler;
    this.call = call;
    this.options = options;
    this.resolve = resolve;
    this.reject = reject;
    const input = call.input;
    const facts = routeFacts(call.route);
    this.method = facts.method;
    this.unsafe = facts.unsafe;
    this.module = provider.module;
    this.logger = provider.log;
    this.metadata = facts.metadata;
    const outer = currentContext();
    this.requestId = outer?.requestId ?? randomUUID();
    const module = options.handles.principalOf(call.handle);
    const user = endUserOf(outer?.principal);
    this.principal = module && user ? { ...module, onBehalfOf: user } : module;
    this.context = {
      requestId: this.requestId,
      correlationId: outer?.correlationId ?? this.requestId,
      causationId: this.requestId,
      ...(outer?.traceparent ? { traceparent: outer.traceparent } : {}),
      caller: module?.module ?? call.caller,
      ...(this.principal ? { principal: this.principal } : {}),
      ...(outer?.userToken ? { userToken: outer.userToken } : {}),
    };
    this.span = options.tracing?.enabled ? directCallSpan(options.tracing, this.module, this.method, call.route, this.context, outer) : undefined;
    this.params = strings(input.params);
    this.query = input.query === undefined ? {} : queryOf(input.query);
    this.headers = input.headers === undefined ? {} : strings(input.headers, true);
    if (call.options.idempotencyKey !== undefined) this.headers['idempotency-key'] = call.options.idempotencyKey;
    // JSON semantics, as over HTTP: the provider gets its own copy, dates as strings, undefined fields dropped.
    this.body = input.body === undefined ? undefined : jsonCopy(input.body);
    // The timeout counts from here, waiting for a slot included.
    this.deadline = Date.now() + options.timeoutMs;
    this.#deadlines = deadlines;
    deadlines.add(this);
    call.options.signal?.addEventListener('abort', this, { once: true });
  }

  path(): string {
    return (this.#path ??= pathOf(this.call.route, this.params));
  }

  signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      const caller = this.call.options.signal;
      if (caller?.aborted) this.#controller.abort(caller.reason);
    }
    return this.#controller.signal;
  }

  get abandoned(): boolean {
    return this.#abandoned;
  }

  /** The caller's signal aborted (`addEventListener` calls `handleEvent`): stop waiting, abort the handler. */
  handleEvent(): void {
    const reason: unknown = this.call.options.signal?.reason;
    this.#controller?.abort(reason);
    this.#end(undefined, reason);
  }

  expire(): void {
    const timeoutMs = this.options.timeoutMs;
    this.#controller?.abort(new DOMException(`No answer within ${timeoutMs} ms.`, 'TimeoutError'));
    const error = new CleaveError('timeout', 'http/upstream-timeout', `Module ${this.module} did not answer within ${timeoutMs} ms.`, {
      details: { module: this.module },
    });
    this.#end(undefined, error);
  }

  succeed(result: CallResult): void {
    this.#end(result, undefined);
  }

  fail(error: unknown): void {
    this.#end(undefined, error);
  }

  #end(result: CallResult | undefined, error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    // A caller that stopped waiting abandons the call: if it has not started, it never will.
    this.#abandoned = result === undefined;
    this.#deadlines.delete(this);
    this.call.options.signal?.removeEventListener('abort', this);
    if (this.span) endDirectCallSpan(this.span, result, error);
    if (result === undefined) this.reject(error);
    else this.resolve(result);
  }
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
      // The JSON text the HTTP client would send: the same key and body match across paths.
      fingerprint: sha256(searchOf(flight.query), flight.body === undefined ? '' : JSON.stringify(flight.body)),
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

function internalProblem(): Problem {
  return problem({ status: 500, code: 'http/internal', detail: 'An unexpected error occurred. Quote the request id when reporting it.' });
}

/** Validation, then the handler; whatever it throws becomes the problem HTTP would answer. */
function respond(flight: Flight): DirectAnswer | Promise<DirectAnswer> {
  const raw: RawRequest = {
    param: flight.params,
    query: flight.query,
    header: flight.headers,
    json: flight.body,
  };
  const validated = validateRequest(flight.call.route.request, raw);
  if ('problem' in validated) {
    const { status, code, detail, errors } = validated.problem;
    return problemAnswer(flight, problem({ status, code, detail, errors }));
  }
  flight.valid = validated.data;
  let out: unknown;
  try {
    out = flight.handler(new DirectContext(flight));
  } catch (error) {
    return errorAnswer(flight, error);
  }
  if (out instanceof Promise)
    return out.then(
      (value: unknown) => answerOf(flight, value),
      (error: unknown) => errorAnswer(flight, error),
    );
  return answerOf(flight, out);
}

function answerOf(flight: Flight, out: unknown): DirectAnswer {
  if (isDirectAnswer(out)) return out;
  const error = new Error(
    `The handler of ${flight.method} ${flight.call.route.path} answered without c.json() or c.body(), which the direct in-process path cannot carry.`,
  );
  return errorAnswer(flight, error);
}

/** The problem for what a handler threw, logged as the HTTP error handler logs it. */
function errorAnswer(flight: Flight, error: unknown): DirectAnswer {
  const mapped = problemFromError(error, mapperContext(flight) as never);
  const known = isDomainError(error) ? error : undefined;
  const log = flight.logger;
  const fields = { requestId: flight.requestId, operation: flight.metadata?.contract.operation, code: mapped.code };
  if (mapped.status >= 500 && !known) log.error({ err: error, ...fields }, 'call failed');
  else if (mapped.status >= 500) log.warn({ ...fields, detail: mapped.detail }, 'call failed upstream');
  else if (log.isLevelEnabled('debug')) log.debug({ ...fields, detail: mapped.detail }, 'call rejected');
  const answer = problemAnswer(flight, mapped);
  const retryAfter = mapped.status === 503 ? known?.retryAfterSeconds : undefined;
  if (retryAfter !== undefined) answer.headers.push(['retry-after', String(Math.max(1, Math.ceil(retryAfter)))]);
  return answer;
}

/** What `problemFromError` and `enforceDeclared` read of a Hono context. */
function mapperContext(flight: Flight) {
  const vars: Record<string, unknown> = {
    requestId: flight.requestId,
    route: flight.metadata?.contract,
    logger: flight.logger,
    undeclaredProblems: flight.options.undeclaredProblems,
  };
  return { req: { path: flight.path() }, get: (name: string) => vars[name] };
}

function problemAnswer(flight: Flight, body: Problem): DirectAnswer {
  const complete: Problem = { ...body, instance: body.instance ?? flight.path(), requestId: body.requestId ?? flight.requestId };
  const checked = enforceDeclared(mapperContext(flight) as never, complete);
  return { direct: true, status: checked.status, body: checked, headers: [['content-type', 'application/problem+json']] };
}

/** An answer as the `Idempotency-Key` store keeps it: the JSON text HTTP would have sent. */
function snapshot(answer: DirectAnswer): StoredResponse {
  const headers = answer.headers.filter(([name]) => replayedHeader(name));
  const hasBody = answer.body !== undefined && answer.body !== null;
  if (hasBody && !headers.some(([name]) => name === 'content-type')) headers.unshift(['content-type', 'application/json']);
  return { status: answer.status, headers, body: hasBody ? JSON.stringify(answer.body) : '' };
}

function replay(flight: Flight, stored: StoredResponse): CallResult {
  const type = stored.headers.find(([name]) => name === 'content-type')?.[1] ?? '';
  const body: unknown = stored.body !== '' && type.includes('json') ? JSON.parse(stored.body) : undefined;
  return result(flight, { direct: true, status: stored.status, body, headers: [...stored.headers, ['idempotent-replayed', 'true']] });
}

/** A success as the caller's result (a copy with JSON semantics); a problem raised as HTTP would raise it. */
function result(flight: Flight, answer: DirectAnswer): CallResult {
  const module = flight.module;
  const body = answer.body === undefined || answer.body === null ? undefined : jsonCopy(answer.body);
  if (answer.status >= 200 && answer.status < 300) {
    const headers = answer.headers;
    if (body !== undefined && !headers.some(([name]) => name === 'content-type')) headers.push(['content-type', 'application/json']);
    const deprecation = flight.metadata?.deprecation;
    if (deprecation) {
      headers.push(['deprecation', deprecation.deprecation], ['sunset', deprecation.sunset]);
      if (deprecation.link) headers.push(['link', deprecation.link]);
    }
    return { status: answer.status, body, headers: new HeaderList(headers) };
  }
  const retryAfter = answer.headers.find(([name]) => name === 'retry-after')?.[1];
  throw new RemoteProblemError(
    module,
    isProblem(body) ? body : problem({ status: answer.status, code: 'http/upstream' }),
    retryAfter === undefined ? undefined : Number(retryAfter),
  );
}

function saturated(module: string): CleaveError {
  return new CleaveError('unavailable', 'http/upstream-saturated', `Too many calls to module ${module} are in flight.`, {
    details: { module },
    retryAfterSeconds: 1,
  });
}
