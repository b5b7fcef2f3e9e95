/** One call on the direct path as it travels: what it needs of its route, and the call itself. */
import { randomUUID } from 'node:crypto';
import type { RouteConfig } from '@hono/zod-openapi';
import type { CallResult, DirectCall } from '../contracts/index.ts';
import { CleaveError, isUnsafe } from '../http/index.ts';
import type { DirectRequestInit } from '../http/direct-context.ts';
import { jsonCopy } from '../http/json-copy.ts';
import type { RequestTarget } from '../http/request-validation.ts';
import { routeMetadataOf, type RouteMetadata } from '../http/route.ts';
import type { RouteHandler } from '../http/route-handlers.ts';
import { currentContext, type ExecutionContext, type Logger, type Span } from '../observability/index.ts';
import type { Semaphore } from '../resilience/index.ts';
import { endUserOf, type Principal } from '../security/index.ts';
import type { Deadlines } from './deadlines.ts';
import { directCallSpan, endDirectCallSpan } from './direct-call-span.ts';
import type { DirectCallsOptions, DirectProvider } from './direct-calls.ts';
import { pathOf, queryOf, strings } from './direct-input.ts';

interface RouteFacts {
  method: string;
  unsafe: boolean;
  /** Operations that read a form (OAuth endpoints) are served by the app: the direct path carries JSON only. */
  readsForm: boolean;
  metadata: RouteMetadata | undefined;
}

const facts = new WeakMap<RouteConfig, RouteFacts>();

/** What a call needs to know of its route, worked out once per route. */
export function routeFacts(route: RouteConfig): RouteFacts {
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
export interface Provided {
  provider: DirectProvider;
  limiter: Semaphore;
  deadlines: Deadlines<Flight>;
  options: DirectCallsOptions;
}

/**
 * One call on the direct path: its input as the provider sees it, its timeout and abort signal, and how it ends.
 * A class, so that a call allocates one object and no closures on the way.
 */
export class Flight implements DirectRequestInit {
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
