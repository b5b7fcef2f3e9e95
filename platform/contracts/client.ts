import { randomUUID } from 'node:crypto';
import type { RouteConfig } from '@hono/zod-openapi';
import type { z } from 'zod';
import { CleaveError, isDomainError, type DomainErrorLike, type ErrorKind } from '../http/errors.ts';
import { isUnsafe } from '../http/platform-problems.ts';
import type { Problem } from '../http/problem.ts';
import { currentContext } from '../observability/index.ts';
import { retryAfterMs } from '../resilience/index.ts';
import type { Contract } from './define-contract.ts';

type Input<S> = S extends z.ZodType ? z.input<S> : never;
type Output<S> = S extends z.ZodType ? z.output<S> : never;
type JsonSchemaOf<C> = C extends { content: { 'application/json': { schema: infer S } } } ? S : never;

/** What a call to a route takes: its path parameters, query, headers and JSON body, typed from the zod schemas. */
export type RouteInput<R extends RouteConfig> = (R['request'] extends { params: infer P } ? { params: Input<P> } : unknown) &
  (R['request'] extends { query: infer Q } ? { query: Input<Q> } : unknown) &
  (R['request'] extends { headers: infer H } ? { headers: Input<H> } : unknown) &
  (R['request'] extends { body: infer B } ? { body: Input<JsonSchemaOf<B>> } : unknown);

type SuccessStatus = 200 | 201 | 202 | 204;

/** What a call returns: one member per declared success status, with its typed body. */
export type RouteOutput<R extends RouteConfig> = {
  [S in keyof R['responses'] & SuccessStatus]: {
    status: S;
    body: [JsonSchemaOf<R['responses'][S]>] extends [never] ? undefined : Output<JsonSchemaOf<R['responses'][S]>>;
    headers: ResponseHeaders;
  };
}[keyof R['responses'] & SuccessStatus];

/** Response headers of a call: Fetch `Headers` over HTTP, a light read-only list on the direct in-process path. */
export interface ResponseHeaders {
  get(name: string): string | null;
  has(name: string): boolean;
  forEach(fn: (value: string, name: string) => void): void;
  [Symbol.iterator](): Iterator<[string, string]>;
}

/** What a fallback answers in place of the provider: the output without headers (the client marks it). */
export type FallbackOutput<O> = O extends { headers: unknown } ? Omit<O, 'headers'> & { headers?: ResponseHeaders } : never;

/**
 * A call's fallback: what to answer when the provider cannot (it is unavailable, timed out, saturated, its breaker
 * is open, or it failed with a 5xx). Never used for the provider's 4xx answers, which are the caller's to handle.
 */
export type Fallback<R extends RouteConfig> = (error: DomainErrorLike, input: RouteInput<R>) => FallbackOutput<RouteOutput<R>> | Promise<FallbackOutput<RouteOutput<R>>>;

export interface CallOptions<R extends RouteConfig = RouteConfig> {
  /**
   * Sent as `Idempotency-Key`. Unsafe calls (POST, PUT, PATCH, DELETE) over HTTP get a fresh one when none is given,
   * so the HTTP transport's retries of the call are safe; pass your own to make a retry of the whole step safe too
   * (e.g. derived from the event or saga step being handled). Direct in-process calls are never retried, so they
   * take a key only when you give one.
   */
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Answers in place of the provider when it fails (see `Fallback`); overrides the client's declared one. */
  fallback?: Fallback<R>;
}

export type Client<C extends Contract> = {
  [K in keyof C['routes']]: (input: RouteInput<C['routes'][K]>, options?: CallOptions<C['routes'][K]>) => Promise<RouteOutput<C['routes'][K]>>;
};

/** Fallbacks declared for a client's routes, by route name. */
export type Fallbacks<C extends Contract> = { [K in keyof C['routes']]?: Fallback<C['routes'][K]> };

export interface ClientOptions<C extends Contract> {
  /** Dispatches calls to a provider in this process without HTTP; `undefined` from it means "send over the transport". */
  local?: LocalDispatch;
  fallbacks?: Fallbacks<C>;
}

/** A call to a route, as the client hands it to a provider in the same process. */
export interface DirectCall {
  route: RouteConfig;
  input: Record<string, unknown>;
  options: CallOptions;
  /** The calling module. */
  caller: string;
}

export interface CallResult {
  status: number;
  body: unknown;
  headers: ResponseHeaders;
}

/**
 * Runs a call in this process when the provider is hosted here (resolving to its result, or rejecting with the
 * `RemoteProblemError` HTTP would have given); `undefined` when it is not.
 */
export type LocalDispatch = (module: string, call: DirectCall) => Promise<CallResult> | undefined;

/** Sends a request to a module, wherever it runs. */
export type Transport = (module: string, request: Request) => Promise<Response>;

/** A problem response from another module, re-raised in the caller with the provider's code and kind. */
export class RemoteProblemError extends CleaveError {
  readonly module: string;
  readonly problem: Problem;

  constructor(module: string, problem: Problem, retryAfterSeconds?: number) {
    // The provider's own failure (500, or its 502) is, to this caller, an upstream failure: the provider's code
    // would name a problem this caller's operation does not have.
    const failed = problem.status >= 500 && problem.status !== 503 && problem.status !== 504;
    super(kindForStatus(problem.status), failed ? 'http/upstream-failed' : problem.code, problem.detail ?? problem.title, {
      details: { module, upstreamStatus: problem.status, ...(failed ? { upstreamCode: problem.code } : {}) },
      retryAfterSeconds,
    });
    this.name = 'RemoteProblemError';
    this.module = module;
    this.problem = problem;
  }
}

function kindForStatus(status: number): ErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 412) return 'precondition_failed';
  if (status === 503) return 'unavailable';
  if (status === 504) return 'timeout';
  // The provider failed (500) or its own upstream did (502): to this caller it is a bad gateway.
  if (status >= 500) return 'bad_gateway';
  return 'invalid';
}

const internalOrigin = 'http://cleave.internal';

/**
 * A typed client for a module's contract. The transport decides where the provider runs (in this process through
 * its Hono app, or over HTTP); the caller's code is the same either way. Non-success answers throw
 * `RemoteProblemError` carrying the provider's problem.
 *
 * @example
 * const inventory = createClient(inventoryContract, transport, 'catalog');
 * const { body } = await inventory.getStock({ params: { productId } });
 */
export function createClient<C extends Contract>(contract: C, transport: Transport, caller: string, options: ClientOptions<C> = {}): Client<C> {
  const client: Record<string, (input: Record<string, unknown>, options?: CallOptions) => Promise<unknown>> = {};
  const { local } = options;
  const fallbacks = (options.fallbacks ?? {}) as Record<string, Fallback<RouteConfig> | undefined>;
  for (const [name, route] of Object.entries(contract.routes)) {
    const overHttp = async (input: Record<string, unknown>, callOptions: CallOptions): Promise<CallResult> => {
      const request = buildRequest(route, input, callOptions, caller);
      const response = await transport(contract.module, request);
      const type = response.headers.get('content-type') ?? '';
      const body: unknown = type.includes('json') ? await response.json() : (await response.arrayBuffer(), undefined);
      if (response.status >= 200 && response.status < 300) return { status: response.status, body, headers: response.headers };
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      throw new RemoteProblemError(contract.module, isProblem(body) ? body : syntheticProblem(contract.module, response.status), retryAfter === undefined ? undefined : retryAfter / 1000);
    };
    const call = (input: Record<string, unknown>, callOptions: CallOptions): Promise<CallResult> =>
      local?.(contract.module, { route, input, options: callOptions, caller }) ?? overHttp(input, callOptions);
    client[name] = (input = {}, callOptions = {}) => {
      const fallback = callOptions.fallback ?? fallbacks[name];
      if (!fallback) return call(input, callOptions);
      return call(input, callOptions).catch(async (error: unknown) => {
        if (callOptions.signal?.aborted || !isDomainError(error) || !fallsBack(error)) throw error;
        const answer = await fallback(error, input as never);
        return { ...answer, headers: answer.headers ?? new HeaderList([['cleave-fallback', error.code]]) };
      });
    };
  }
  return client as Client<C>;
}

/** Failures a fallback stands in for: the provider could not answer (not a 4xx, which is the caller's to handle). */
function fallsBack(error: DomainErrorLike): boolean {
  return error.kind === 'unavailable' || error.kind === 'timeout' || error.kind === 'bad_gateway';
}

/** Read-only response headers over a list of lower-case `[name, value]` pairs: no WebIDL work per header. */
export class HeaderList implements ResponseHeaders {
  readonly #pairs: readonly (readonly [string, string])[];

  constructor(pairs: readonly (readonly [string, string])[]) {
    this.#pairs = pairs;
  }

  get(name: string): string | null {
    const key = name.toLowerCase();
    let value: string | null = null;
    for (const [n, v] of this.#pairs) if (n === key) value = value === null ? v : `${value}, ${v}`;
    return value;
  }

  has(name: string): boolean {
    const key = name.toLowerCase();
    return this.#pairs.some(([n]) => n === key);
  }

  forEach(fn: (value: string, name: string) => void): void {
    for (const [name, value] of this) fn(value, name);
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    const names = [...new Set(this.#pairs.map(([n]) => n))].sort();
    for (const name of names) yield [name, this.get(name) as string];
  }
}

function buildRequest(route: RouteConfig, input: Record<string, unknown>, options: CallOptions, caller: string): Request {
  const params = (input.params ?? {}) as Record<string, unknown>;
  const path = route.path.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`Missing path parameter ${key} for ${route.method.toUpperCase()} ${route.path}.`);
    return encodeURIComponent(String(value));
  });
  const url = new URL(path, internalOrigin);
  for (const [key, value] of Object.entries((input.query ?? {}) as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
  }
  const headers = new Headers();
  for (const [key, value] of Object.entries((input.headers ?? {}) as Record<string, unknown>)) {
    if (value !== undefined) headers.set(key, String(value));
  }
  const context = currentContext();
  if (context) {
    headers.set('x-correlation-id', context.correlationId);
    if (context.requestId) headers.set('x-request-id', context.requestId);
    if (context.traceparent) headers.set('traceparent', context.traceparent);
  }
  headers.set('x-cleave-caller', caller);
  const key = options.idempotencyKey ?? (isUnsafe(route.method) ? randomUUID() : undefined);
  if (key) headers.set('idempotency-key', key);
  let body: string | undefined;
  if (input.body !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(input.body);
  }
  return new Request(url, { method: route.method.toUpperCase(), headers, ...(body === undefined ? {} : { body }), ...(options.signal ? { signal: options.signal } : {}) });
}

function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as Problem).code === 'string' && typeof (body as Problem).status === 'number';
}

function syntheticProblem(module: string, status: number): Problem {
  return { type: 'urn:cleave:problem:http/upstream', title: 'Upstream error', status, code: 'http/upstream', detail: `Module ${module} answered ${status} without a problem body.` };
}
