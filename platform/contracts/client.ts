import { randomUUID } from 'node:crypto';
import type { RouteConfig } from '@hono/zod-openapi';
import type { z } from 'zod';
import { isDomainError, type DomainErrorLike } from '../http/errors.ts';
import { currentContext, endSpan, runInContext, SpanKind, tracingOff, type Tracing } from '../observability/index.ts';
import { retryAfterMs } from '../resilience/index.ts';
import { fetchCall, HeaderList, isProblem, sendCall, syntheticProblem } from './client-http.ts';
import type { Contract } from './define-contract.ts';
import type { ModuleAnswer, ModuleCall } from './http-send.ts';
import { RemoteProblemError } from './remote-problem.ts';

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
  /** The calling module's credential on the direct in-process path, issued by the host (see `CallerHandles`). */
  handle?: object;
  fallbacks?: Fallbacks<C>;
  /** A client span per call (and its context for the provider) when tracing is on. */
  tracing?: Tracing;
  /** Told of every call's end (metrics); the host resolves one per calling and provider module. */
  meter?: CallMeter | undefined;
}

/**
 * Records the calls of one client: `direct` when the provider ran in this process without HTTP, the duration, and
 * the error the call failed with (`undefined` on success; fallbacks answer after the failure is recorded).
 */
export interface CallMeter {
  record(direct: boolean, seconds: number, error: unknown): void;
}

/** A call to a route, as the client hands it to a provider in the same process. */
export interface DirectCall {
  route: RouteConfig;
  input: Record<string, unknown>;
  options: CallOptions;
  /** The calling module, by name (for logs). */
  caller: string;
  /** The calling module's handle, which the provider checks; a call without one is anonymous. */
  handle?: object | undefined;
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

/**
 * Sends a request to a module, wherever it runs. A transport may also `send` a call as plain data (no `Request` or
 * `Response`), which the client prefers when it is there.
 */
export type Transport = ((module: string, request: Request) => Promise<Response>) & {
  send?: (module: string, call: ModuleCall) => Promise<ModuleAnswer>;
};

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
  const { local, handle, meter } = options;
  const tracing = options.tracing ?? tracingOff;
  const fallbacks = (options.fallbacks ?? {}) as Record<string, Fallback<RouteConfig> | undefined>;
  for (const [name, route] of Object.entries(contract.routes)) {
    const overHttp = async (input: Record<string, unknown>, callOptions: CallOptions): Promise<CallResult> => {
      const { status, headers, body } = transport.send
        ? await sendCall(transport.send, contract.module, route, input, callOptions, caller)
        : await fetchCall(transport, contract.module, route, input, callOptions, caller);
      if (status >= 200 && status < 300) return { status, body, headers };
      const retryAfter = retryAfterMs(headers.get('retry-after'));
      throw new RemoteProblemError(contract.module, isProblem(body) ? body : syntheticProblem(contract.module, status), retryAfter === undefined ? undefined : retryAfter / 1000);
    };
    const unmetered = (input: Record<string, unknown>, callOptions: CallOptions): Promise<CallResult> =>
      local?.(contract.module, { route, input, options: callOptions, caller, handle }) ?? overHttp(input, callOptions);
    const metered = !meter
      ? unmetered
      : (input: Record<string, unknown>, callOptions: CallOptions): Promise<CallResult> => {
          const started = performance.now();
          const direct = local?.(contract.module, { route, input, options: callOptions, caller, handle });
          const ended = (error: unknown) => meter.record(direct !== undefined, (performance.now() - started) / 1000, error);
          return (direct ?? overHttp(input, callOptions)).then(
            (result) => {
              ended(undefined);
              return result;
            },
            (error: unknown) => {
              ended(error);
              throw error;
            },
          );
        };
    const call = tracing.enabled ? traced(tracing, contract.module, name, caller, metered) : metered;
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

/**
 * A call inside a client span (RPC conventions: `rpc.service` the provider module, `rpc.method` the operation), which
 * the call's context carries: the provider's span, in this process or another (through `traceparent`), is its child.
 */
function traced(
  tracing: Tracing,
  module: string,
  operation: string,
  caller: string,
  call: (input: Record<string, unknown>, options: CallOptions) => Promise<CallResult>,
): (input: Record<string, unknown>, options: CallOptions) => Promise<CallResult> {
  return (input, callOptions) => {
    const outer = currentContext();
    const attributes = { 'rpc.system': 'cleave', 'rpc.service': module, 'rpc.method': operation, 'cleave.caller': caller };
    const span = tracing.startSpan(`${module}/${operation}`, { kind: SpanKind.CLIENT, attributes }, outer);
    if (!span) return call(input, callOptions);
    return runInContext({ ...(outer ?? { correlationId: randomUUID() }), span }, call, input, callOptions).then(
      (result) => {
        span.setAttribute('rpc.response.status_code', result.status);
        span.end();
        return result;
      },
      (error: unknown) => {
        endSpan(span, error);
        throw error;
      },
    );
  };
}

/** Failures a fallback stands in for: the provider could not answer (not a 4xx, which is the caller's to handle). */
function fallsBack(error: DomainErrorLike): boolean {
  return error.kind === 'unavailable' || error.kind === 'timeout' || error.kind === 'bad_gateway';
}
