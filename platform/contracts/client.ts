import { randomUUID } from 'node:crypto';
import type { RouteConfig } from '@hono/zod-openapi';
import type { z } from 'zod';
import { CleaveError, type ErrorKind } from '../http/errors.ts';
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
  [S in keyof R['responses'] & SuccessStatus]: { status: S; body: [JsonSchemaOf<R['responses'][S]>] extends [never] ? undefined : Output<JsonSchemaOf<R['responses'][S]>>; headers: Headers };
}[keyof R['responses'] & SuccessStatus];

export interface CallOptions {
  /**
   * Sent as `Idempotency-Key`. Unsafe calls (POST, PUT, PATCH, DELETE) get a fresh one when none is given, so the
   * HTTP transport's retries of the call are safe; pass your own to make a retry of the whole step safe too (e.g.
   * derived from the event or saga step being handled).
   */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export type Client<C extends Contract> = {
  [K in keyof C['routes']]: (input: RouteInput<C['routes'][K]>, options?: CallOptions) => Promise<RouteOutput<C['routes'][K]>>;
};

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
export function createClient<C extends Contract>(contract: C, transport: Transport, caller: string): Client<C> {
  const client: Record<string, (input: Record<string, unknown>, options?: CallOptions) => Promise<unknown>> = {};
  for (const [name, route] of Object.entries(contract.routes)) {
    client[name] = async (input = {}, options = {}) => {
      const request = buildRequest(route, input, options, caller);
      const response = await transport(contract.module, request);
      const type = response.headers.get('content-type') ?? '';
      const body: unknown = type.includes('json') ? await response.json() : (await response.arrayBuffer(), undefined);
      if (response.status >= 200 && response.status < 300) return { status: response.status, body, headers: response.headers };
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      throw new RemoteProblemError(contract.module, isProblem(body) ? body : syntheticProblem(contract.module, response.status), retryAfter === undefined ? undefined : retryAfter / 1000);
    };
  }
  return client as Client<C>;
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
