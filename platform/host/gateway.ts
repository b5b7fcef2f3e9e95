import type { Context } from 'hono';
import { asForwarder, CleaveError, peerAddress, problem, problemResponse, unreadBodyProblem, type App, type AppEnv, type IpRanges } from '../http/index.ts';
import { currentContext, endSpan, SpanKind, traceparentOf, type Span, type Tracing } from '../observability/index.ts';

export interface GatewayOptions {
  /** Base URL of an instance of the module (static, or from discovery). */
  resolve(module: string): Promise<string>;
  /** Told when an instance did not answer, so discovery can skip it. */
  onFailure?(module: string, baseUrl: string, error: unknown): void;
  /** Time allowed until the upstream's response headers arrive; the body then streams without a limit. */
  timeoutMs: number;
  /**
   * Runs each forwarded request under the module's circuit breaker and bulkhead (the HTTP transport's `guard`), so
   * failures seen here open the same breaker module calls obey, and `/registry` lists it.
   */
  guard?(module: string, attempt: () => Promise<Response>): Promise<Response>;
  /** Sent as `Retry-After` with a 503 for an instance that could not be reached. Default 5. */
  retryAfterSeconds?: number;
  /**
   * Proxies in front of this host: only from them are `X-Forwarded-For` and `Forwarded` passed on (with the peer
   * appended); from anyone else they are dropped, and the chain starts at the socket peer. None by default.
   */
  trustedProxies?: IpRanges;
  /** Sends the forwarded request: `fetch` holding the remote CA and client certificate (`tlsFetch`). Global `fetch` by default. */
  fetch?: typeof fetch;
  /** A client span for the forwarded request, whose context the upstream continues, when tracing is on. */
  tracing?: Tracing;
  /**
   * Further tries, each on the instance `resolve` names next, for a request that is safe to repeat (`GET`, `HEAD`,
   * `OPTIONS`, `PUT`, `DELETE`, or one with an `Idempotency-Key`) when an instance could not be reached. Default 0.
   */
  retries?: number;
}

const repeatableMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Whether sending the request twice does no more than sending it once (RFC 9110 §9.2.2), or its key makes it so. */
export function isRepeatable(request: Request): boolean {
  return repeatableMethods.has(request.method) || request.headers.has('idempotency-key');
}

const noProxies: IpRanges = { has: () => false };

// RFC 9110 §7.6.1: connection-specific fields are not forwarded. fetch decodes compressed bodies, so their
// content-encoding and length no longer apply either. `Expect: 100-continue` was met here (the body is read before it
// is forwarded), and fetch refuses to send it.
const hopByHop = new Set([
  'content-encoding',
  'expect',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/**
 * Makes this host the gateway for modules that run elsewhere: every request under `/<module>/` (and to the module's
 * well-known URIs, given in `wellKnown` by module) is forwarded to an
 * instance (method, path, query, headers, the request body read first, the response body streamed back) with
 * `Forwarded`/`X-Forwarded-*` added (see `trustedProxies`).
 * Upstream failures come back as problem+json naming the module.
 */
export function mountGateway(
  app: App,
  modules: readonly string[],
  options: GatewayOptions,
  wellKnown: ReadonlyMap<string, readonly string[]> = new Map(),
): void {
  const handler = (module: string) => asForwarder(forwarder(module, options));
  for (const module of modules) {
    app.all(`/${module}/*`, handler(module));
    // The module's well-known URIs (e.g. /.well-known/jwks.json) sit outside its prefix and are forwarded one by one.
    for (const path of wellKnown.get(module) ?? []) app.all(path, handler(module));
  }
}

/** Methods fetch will not send: TRACE (RFC 9110 §9.3.8) and its alias TRACK (CONNECT is refused before the app). */
const unforwardable = new Set(['TRACE', 'TRACK']);

/** Whether the gateway can send a request with this method on (not TRACE or TRACK). */
export const forwardable = (method: string): boolean => !unforwardable.has(method);

/**
 * Forwards a request for `module` to an instance `options.resolve` names, under the module's breaker, trying the
 * next instance when one cannot be reached and the request is safe to repeat.
 *
 * The request body is read in full first (within the edge's body limit), as a proxy buffering requests does (nginx's
 * default): a client that stalls or goes away mid-upload is answered here (408 from the server's request timeout,
 * or 400) and costs the module nothing, where a body streamed through would hold an upstream connection open until
 * the gateway's timeout blamed the module, and count against its breaker and its instance in discovery. What this
 * host cannot forward at all (TRACE) is refused here too, never counted as the module failing.
 */
export function forwarder(module: string, options: GatewayOptions): (c: Context<AppEnv>) => Promise<Response> {
  const attempt = async (c: Context<AppEnv>, body: ArrayBuffer | null) => {
    const tries = isRepeatable(c.req.raw) ? 1 + (options.retries ?? 0) : 1;
    for (let tried = 1; ; tried += 1) {
      try {
        return await forward(c, module, options, body);
      } catch (error) {
        // A timeout is not retried: the instance may still be working on it, and the caller has waited long enough.
        if (tried >= tries || !(error instanceof CleaveError) || error.code !== 'http/upstream-unavailable') throw error;
      }
    }
  };
  return async (c) => {
    if (!forwardable(c.req.method)) return refuse(c, 501, 'http/method-not-implemented', `${c.req.method} is not forwarded to module ${module}.`);
    let body: ArrayBuffer | null = null;
    if (bodyOf(c.req.raw)) {
      try {
        // Hono keeps the bytes: the same request handled here after all (canary routing) reads them again.
        body = await c.req.arrayBuffer();
      } catch {
        const { status, code, detail } = unreadBodyProblem(c, 'http/malformed-request');
        return refuse(c, status, code, detail);
      }
    }
    return options.guard ? options.guard(module, () => attempt(c, body)) : attempt(c, body);
  };
}

const refuse = (c: Context<AppEnv>, status: number, code: string, detail: string) =>
  problemResponse(c, problem({ status, code, detail, instance: c.req.path, requestId: c.get('requestId') }));

const bodyOf = (request: Request) => request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null;

async function forward(c: Context<AppEnv>, module: string, options: GatewayOptions, body: ArrayBuffer | null): Promise<Response> {
  const base = await options.resolve(module);
  const incoming = new URL(c.req.url);
  const target = `${base}${incoming.pathname}${incoming.search}`;
  const headers = new Headers();
  for (const [name, value] of c.req.raw.headers) if (!hopByHop.has(name)) headers.set(name, value);
  const proto = incoming.protocol.replace(':', '');
  const host = c.req.header('host') ?? incoming.host;
  headers.set('x-request-id', c.get('requestId'));
  headers.set('x-forwarded-host', host);
  headers.set('x-forwarded-proto', proto);
  const peer = peerAddress(c);
  // A client's own X-Forwarded-For or Forwarded is never passed on unchecked: only what a trusted proxy in front
  // of this host sent is kept, and the socket peer is appended, so the upstream can walk the chain from the right.
  if (peer === undefined || !(options.trustedProxies ?? noProxies).has(peer)) {
    headers.delete('x-forwarded-for');
    headers.delete('forwarded');
  }
  if (peer !== undefined) headers.append('x-forwarded-for', peer);
  // RFC 7239 §6: an IPv6 node is quoted and bracketed.
  const forwardedFor = peer === undefined ? '' : peer.includes(':') ? `for="[${peer}]";` : `for=${peer};`;
  headers.append('forwarded', `${forwardedFor}host="${host}";proto=${proto}`);
  // The upstream continues this host's trace: under the gateway hop's span, else under the request's.
  const span = options.tracing?.enabled ? hopSpan(options.tracing, c.req.method, target, module) : undefined;
  const traceparent = traceparentOf(span ? { correlationId: '', span } : currentContext());
  if (traceparent) headers.set('traceparent', traceparent);

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('timeout')), options.timeoutMs);
  const method = c.req.method;
  let upstream: Response;
  try {
    upstream = await (options.fetch ?? fetch)(target, {
      method,
      headers,
      redirect: 'manual',
      signal: controller.signal,
      ...(body === null ? {} : { body }),
    });
  } catch (error) {
    if (span) endSpan(span, error);
    options.onFailure?.(module, base, error);
    if (controller.signal.aborted) {
      throw new CleaveError('timeout', 'http/upstream-timeout', `Module ${module} did not answer within ${options.timeoutMs} ms.`, {
        details: { module },
        cause: error,
      });
    }
    throw new CleaveError('unavailable', 'http/upstream-unavailable', `Module ${module} could not be reached.`, {
      details: { module },
      cause: error,
      retryAfterSeconds: options.retryAfterSeconds ?? 5,
    });
  } finally {
    clearTimeout(timer);
  }
  if (span) {
    span.setAttribute('http.response.status_code', upstream.status);
    span.end();
  }
  const out = new Headers();
  // The upstream's own CORS answer is not passed on: the browser talks to this host, whose CORS_ORIGINS decide.
  for (const [name, value] of upstream.headers) if (!hopByHop.has(name) && !name.startsWith('access-control-')) out.append(name, value);
  return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: out });
}

/** The gateway hop (HTTP client conventions), under the inbound request's span. */
function hopSpan(tracing: Tracing, method: string, target: string, module: string): Span | undefined {
  const url = new URL(target);
  return tracing.startSpan(
    method,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': method,
        'server.address': url.hostname,
        'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
        'url.full': `${url.origin}${url.pathname}`,
        'cleave.gateway.module': module,
      },
    },
    currentContext(),
  );
}
