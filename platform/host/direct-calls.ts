import { randomUUID } from 'node:crypto';
import type { RouteConfig } from '@hono/zod-openapi';
import { HeaderList, RemoteProblemError, type CallResult, type DirectCall, type LocalDispatch } from '../contracts/index.ts';
import { CleaveError, isDomainError, isUnsafe, parseIdempotencyKey, problem, textRuleViolation, type Problem, type UndeclaredProblems } from '../http/index.ts';
import { enforceDeclared } from '../http/declared-problems.ts';
import { directContext, isDirectAnswer, type DirectAnswer } from '../http/direct-context.ts';
import { problemFromError } from '../http/error-handler.ts';
import { validateRequest, type RawRequest } from '../http/request-validation.ts';
import { routeMetadataOf, type RouteMetadata } from '../http/route.ts';
import type { RouteHandler } from '../http/route-handlers.ts';
import { keyScope, replayedHeader, sha256, type IdempotencyGate, type StoredResponse } from '../idempotency/index.ts';
import { currentContext, runInContext, type ExecutionContext, type Logger } from '../observability/index.ts';

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
  /** Runs before each call (on embedded PGlite: commit the caller's held effect, the callee needs the connection). */
  beforeCall?: () => Promise<void>;
}

export interface DirectCallsOptions {
  providers: readonly DirectProvider[];
  /** The same limit remote calls have; the handler's `c.req.raw.signal` aborts when it passes. */
  timeoutMs: number;
  undeclaredProblems: UndeclaredProblems;
}

export interface DirectCallStats {
  inFlight: number;
  queued: number;
}

export interface DirectCalls {
  dispatch: LocalDispatch;
  stats(): Record<string, DirectCallStats>;
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
  const providers = new Map(options.providers.map((p) => [p.module, { provider: p, limiter: new Limiter(p.maxConcurrent, p.maxQueued) }]));
  const dispatch: LocalDispatch = (module, call) => {
    const entry = providers.get(module);
    const handler = entry?.provider.handlers.get(call.route);
    if (!entry || !handler) return undefined;
    return run(entry.provider, entry.limiter, handler, call, options);
  };
  return {
    dispatch,
    stats: () => Object.fromEntries([...providers].map(([module, { limiter }]) => [module, { inFlight: limiter.inFlight, queued: limiter.queued }])),
  };
}

async function run(provider: DirectProvider, limiter: Limiter, handler: RouteHandler, call: DirectCall, options: DirectCallsOptions): Promise<CallResult> {
  const signal = call.options.signal;
  if (signal?.aborted) throw signal.reason;
  if (provider.beforeCall) await provider.beforeCall();
  const acquired = limiter.acquire();
  if (acquired === false) throw saturated(provider.module);
  let controller: AbortController | undefined;
  let abandoned = false;
  const handlerSignal = () => {
    if (!controller) {
      controller = new AbortController();
      if (signal) signal.addEventListener('abort', () => controller?.abort(signal.reason), { once: true });
    }
    return controller.signal;
  };
  // The timeout counts from here, waiting for a slot included. The handler keeps its slot until it really ends,
  // even when the caller stopped waiting: the limit bounds work, not callers.
  const start = (): Promise<CallResult> => {
    if (abandoned) {
      limiter.release();
      return Promise.reject(new Error('abandoned'));
    }
    return execute(provider, handler, call, handlerSignal, options).finally(() => limiter.release());
  };
  const work = acquired === true ? start() : acquired.then(start);
  work.catch(() => {});
  return new Promise<CallResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      abandoned = true;
      const reason = new DOMException(`No answer within ${options.timeoutMs} ms.`, 'TimeoutError');
      controller?.abort(reason);
      signal?.removeEventListener('abort', onAbort);
      reject(
        new CleaveError('timeout', 'http/upstream-timeout', `Module ${provider.module} did not answer within ${options.timeoutMs} ms.`, {
          details: { module: provider.module },
        }),
      );
    }, options.timeoutMs);
    const onAbort = () => {
      abandoned = true;
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (result) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** The path of a route with its parameters filled in, as the HTTP client would send it (and Hono would read it). */
function pathOf(route: RouteConfig, params: Record<string, string>): string {
  const encoded = route.path.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`Missing path parameter ${key} for ${route.method.toUpperCase()} ${route.path}.`);
    return encodeURIComponent(value);
  });
  try {
    return decodeURI(encoded);
  } catch {
    return encoded;
  }
}

/** Path parameters and headers travel as strings: what the provider validates is what HTTP would deliver. */
function strings(values: unknown, lowerCase = false): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof values !== 'object' || values === null) return out;
  for (const [key, value] of Object.entries(values)) if (value !== undefined) out[lowerCase ? key.toLowerCase() : key] = String(value);
  return out;
}

/** Query values as the HTTP validator reads them: a repeated name gives an array, a single one a string. */
function queryOf(values: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (typeof values !== 'object' || values === null) return out;
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    const list = (Array.isArray(value) ? value : [value]).map(String);
    if (list.length > 0) out[key] = list.length === 1 ? (list[0] as string) : list;
  }
  return out;
}

/** The query string the HTTP client would build, for `Idempotency-Key` fingerprints that match across paths. */
function searchOf(query: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

interface Exchange {
  provider: DirectProvider;
  route: RouteConfig;
  metadata: RouteMetadata | undefined;
  path: string;
  requestId: string;
  undeclared: UndeclaredProblems;
}

async function execute(
  provider: DirectProvider,
  handler: RouteHandler,
  call: DirectCall,
  signal: () => AbortSignal,
  options: DirectCallsOptions,
): Promise<CallResult> {
  const { route, input } = call;
  const outer = currentContext();
  const requestId = outer?.requestId ?? randomUUID();
  const context: ExecutionContext = {
    requestId,
    correlationId: outer?.correlationId ?? requestId,
    causationId: requestId,
    ...(outer?.traceparent ? { traceparent: outer.traceparent } : {}),
    caller: call.caller,
  };
  const params = strings(input.params);
  const query = queryOf(input.query);
  const headers = strings(input.headers, true);
  const key = call.options.idempotencyKey;
  if (key !== undefined) headers['idempotency-key'] = key;
  // JSON semantics, as over HTTP: the provider gets its own copy, dates as strings, undefined fields dropped.
  const bodyText = input.body === undefined ? undefined : JSON.stringify(input.body);
  const raw: RawRequest = { param: params, query, header: headers, json: bodyText === undefined ? undefined : JSON.parse(bodyText) };
  const exchange: Exchange = {
    provider,
    route,
    metadata: routeMetadataOf(route),
    path: pathOf(route, params),
    requestId,
    undeclared: options.undeclaredProblems,
  };
  const method = route.method.toUpperCase();
  const answer = (): Promise<DirectAnswer> => respond(exchange, handler, raw, params, headers, method, signal);

  return runInContext(context, async () => {
    const parsedKey = isUnsafe(method) ? parseIdempotencyKey(key) : undefined;
    if (parsedKey === undefined || textRuleViolation(exchange.path) !== undefined) return result(exchange, await answer());
    const keyed = await provider.gate.exchange(
      {
        scope: keyScope(call.caller, undefined),
        method,
        path: exchange.path,
        key: parsedKey,
        fingerprint: sha256(searchOf(query), bodyText ?? ''),
      },
      answer,
      { status: (a) => a.status, snapshot },
    );
    if (keyed.kind === 'ran') return result(exchange, keyed.answer);
    if (keyed.kind === 'replay') return replay(exchange, keyed.response);
    if (keyed.kind === 'refused') return result(exchange, problemAnswer(exchange, problem({ status: keyed.status, code: keyed.code, detail: keyed.detail })));
    provider.log.error({ err: keyed.error, requestId }, 'storing the idempotent answer failed');
    return result(exchange, problemAnswer(exchange, internalProblem()));
  });
}

function internalProblem(): Problem {
  return problem({ status: 500, code: 'http/internal', detail: 'An unexpected error occurred. Quote the request id when reporting it.' });
}

/** Validation, then the handler; whatever it throws becomes the problem HTTP would answer. */
async function respond(
  exchange: Exchange,
  handler: RouteHandler,
  raw: RawRequest,
  params: Record<string, string>,
  headers: Record<string, string>,
  method: string,
  signal: () => AbortSignal,
): Promise<DirectAnswer> {
  const validated = validateRequest(exchange.route.request, raw);
  if ('problem' in validated) {
    const { status, code, detail, errors } = validated.problem;
    return problemAnswer(exchange, problem({ status, code, detail, errors }));
  }
  const c = directContext({
    method,
    path: exchange.path,
    valid: validated.data,
    params,
    headers,
    requestId: exchange.requestId,
    logger: exchange.provider.log,
    module: exchange.provider.module,
    signal,
  });
  try {
    const out: unknown = await handler(c);
    if (isDirectAnswer(out)) return out;
    throw new Error(`The handler of ${method} ${exchange.route.path} answered without c.json() or c.body(), which the direct in-process path cannot carry.`);
  } catch (error) {
    return errorAnswer(exchange, error);
  }
}

/** The problem for what a handler threw, logged as the HTTP error handler logs it. */
function errorAnswer(exchange: Exchange, error: unknown): DirectAnswer {
  const mapped = problemFromError(error, mapperContext(exchange) as never);
  const known = isDomainError(error) ? error : undefined;
  const log = exchange.provider.log;
  const fields = { requestId: exchange.requestId, operation: exchange.metadata?.contract.operation, code: mapped.code };
  if (mapped.status >= 500 && !known) log.error({ err: error, ...fields }, 'call failed');
  else if (mapped.status >= 500) log.warn({ ...fields, detail: mapped.detail }, 'call failed upstream');
  else if (log.isLevelEnabled('debug')) log.debug({ ...fields, detail: mapped.detail }, 'call rejected');
  const answer = problemAnswer(exchange, mapped);
  const retryAfter = mapped.status === 503 ? known?.retryAfterSeconds : undefined;
  if (retryAfter !== undefined) answer.headers.push(['retry-after', String(Math.max(1, Math.ceil(retryAfter)))]);
  return answer;
}

/** What `problemFromError` and `enforceDeclared` read of a Hono context. */
function mapperContext(exchange: Exchange) {
  const vars: Record<string, unknown> = {
    requestId: exchange.requestId,
    route: exchange.metadata?.contract,
    logger: exchange.provider.log,
    undeclaredProblems: exchange.undeclared,
  };
  return { req: { path: exchange.path }, get: (name: string) => vars[name] };
}

function problemAnswer(exchange: Exchange, body: Problem): DirectAnswer {
  const complete: Problem = { ...body, instance: body.instance ?? exchange.path, requestId: body.requestId ?? exchange.requestId };
  const checked = enforceDeclared(mapperContext(exchange) as never, complete);
  return { direct: true, status: checked.status, body: checked, headers: [['content-type', 'application/problem+json']] };
}

/** An answer as the `Idempotency-Key` store keeps it: the JSON text HTTP would have sent. */
function snapshot(answer: DirectAnswer): StoredResponse {
  const headers = answer.headers.filter(([name]) => replayedHeader(name));
  const hasBody = answer.body !== undefined && answer.body !== null;
  if (hasBody && !headers.some(([name]) => name === 'content-type')) headers.unshift(['content-type', 'application/json']);
  return { status: answer.status, headers, body: hasBody ? JSON.stringify(answer.body) : '' };
}

function replay(exchange: Exchange, stored: StoredResponse): CallResult {
  const type = stored.headers.find(([name]) => name === 'content-type')?.[1] ?? '';
  const body: unknown = stored.body !== '' && type.includes('json') ? JSON.parse(stored.body) : undefined;
  return result(exchange, { direct: true, status: stored.status, body, headers: [...stored.headers, ['idempotent-replayed', 'true']] });
}

/** A success as the caller's result (a copy with JSON semantics); a problem raised as HTTP would raise it. */
function result(exchange: Exchange, answer: DirectAnswer): CallResult {
  const module = exchange.provider.module;
  const body = answer.body === undefined || answer.body === null ? undefined : JSON.parse(JSON.stringify(answer.body));
  if (answer.status >= 200 && answer.status < 300) {
    const headers = answer.headers;
    if (body !== undefined && !headers.some(([name]) => name === 'content-type')) headers.push(['content-type', 'application/json']);
    const deprecation = exchange.metadata?.deprecation;
    if (deprecation) {
      headers.push(['deprecation', deprecation.deprecation], ['sunset', deprecation.sunset]);
      if (deprecation.link) headers.push(['link', deprecation.link]);
    }
    return { status: answer.status, body, headers: new HeaderList(headers) };
  }
  const retryAfter = answer.headers.find(([name]) => name === 'retry-after')?.[1];
  throw new RemoteProblemError(module, isProblem(body) ? body : problem({ status: answer.status, code: 'http/upstream' }), retryAfter === undefined ? undefined : Number(retryAfter));
}

function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as Problem).code === 'string' && typeof (body as Problem).status === 'number';
}

function saturated(module: string): CleaveError {
  return new CleaveError('unavailable', 'http/upstream-saturated', `Too many calls to module ${module} are in flight.`, { details: { module }, retryAfterSeconds: 1 });
}

/** A counting semaphore with a bounded FIFO queue; `acquire` is synchronous when a slot is free. */
class Limiter {
  inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  readonly #max: number;
  readonly #maxQueued: number;

  constructor(max: number, maxQueued: number) {
    this.#max = max;
    this.#maxQueued = maxQueued;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /** `true`: a slot is held; `false`: refused (queue full); a promise: a slot once it resolves. */
  acquire(): boolean | Promise<void> {
    if (this.inFlight < this.#max) {
      this.inFlight++;
      return true;
    }
    if (this.#waiting.length >= this.#maxQueued) return false;
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    // The slot passes straight to the next caller: the count stays.
    if (next) next();
    else this.inFlight--;
  }
}
