import type { Context, ErrorHandler, MiddlewareHandler, Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { matchedRoutes } from 'hono/route';
import { runInContext, SpanKind, SpanStatusCode, type ExecutionContext, type Logger, type Span, type Tracing } from '../observability/index.ts';
import { accessLog, type RequestLogOptions, type RequestObserver } from './access-log.ts';
import type { AppEnv } from './app-env.ts';
import { cors, type CorsOptions } from './cors.ts';
import type { UndeclaredProblems } from './declared-problems.ts';
import { secureHeaders, unreadBodyProblem, type EdgeBindings } from './edge-headers.ts';
import { bodiless, requireJsonBody } from './middleware.ts';
import { problem, problemResponse } from './problem.ts';
import { routeContract, routeMarks, servesRequest } from './route-marks.ts';

export interface EdgeOptions {
  logger: Logger;
  bodyLimitBytes: number;
  moduleOf: (path: string) => string | undefined;
  undeclaredProblems: UndeclaredProblems;
  cors: CorsOptions | undefined;
  requestLog: RequestLogOptions;
  tracing: Tracing;
  /** Told of every answer (metrics); absent, nothing is measured beyond the access log. */
  observe?: RequestObserver | undefined;
  /**
   * App-wide checks made after the edge's own and before the route's handlers, in order (rate limits, then access):
   * read at every request, so a host may add to the array until it serves.
   */
  guards?: readonly EdgeGuard[];
  /** What a guard that throws answers instead: the app's error handler. */
  onError?: ErrorHandler<AppEnv>;
}

/**
 * A check the edge makes for every request before the route's handlers: an answer to send instead (a 401, a 429),
 * or nothing to go on. It returns a promise only when it has to wait, so a request that passes every check at once
 * costs no promise, no dispatch and no router entry of its own, which app-wide middleware costs (each promise more so
 * under AsyncLocalStorage's hooks).
 */
export type EdgeGuard = (c: Context<AppEnv>) => Response | undefined | Promise<Response | undefined>;

/** A guard as ordinary middleware (an app without the edge, tests). */
export function guardMiddleware(guard: EdgeGuard): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const answer = guard(c);
    if (answer === undefined) return next();
    if (answer instanceof Response) return Promise.resolve(answer);
    return answer.then<Response | void>((refused) => refused ?? next());
  };
}

// Hono's request-id rule: word characters, `-` and `=`, at most 128 here.
const unsafeRequestId = /[^\w\-=]/;
const safeId = /^[\w.:=-]{1,128}$/;
const traceparentPattern = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
const secureHeaderEntries = Object.entries(secureHeaders);

/**
 * Everything the app does around every request, in one middleware rather than eight (each a dispatch and a few
 * promises, which AsyncLocalStorage's hooks then make dearer), in this order:
 *
 * 1. request id: `X-Request-Id` when safe, else a new UUID; echoed on the answer;
 * 2. the request's variables: logger, module of the path, what undeclared problems become;
 * 3. response headers: the 11 security headers and the request id, through the server adapter's header sink when
 *    it has one (written with the response head, no Web `Headers`), else set on the context;
 * 4. the execution context (request, correlation and causation ids, trace context, caller) entered for the rest;
 * 5. CORS, when origins are configured;
 * 6. the guards, in order (the host's rate limits and access checks), each of which may answer instead;
 * 7. for methods with a body, when a route serves the method and path: the size limit (413), then JSON only (415)
 *    (an unknown path or method is a 404 or 405 whatever its body is);
 * 8. the rest of the chain: route middleware, validation, the handler, the problem mapper; a refusal answered before
 *    the route's own middleware ran passes through the route's `earlyAnswer` mark, when it has one (OAuth endpoints);
 * 9. one access-log line, written once the answer is known (or sampled, see `RequestLogOptions`), and the answer
 *    told to the observer (metrics).
 */
export function edge(options: EdgeOptions): MiddlewareHandler<AppEnv> {
  const { logger, moduleOf, undeclaredProblems, tracing, observe } = options;
  const log = accessLog(logger, options.requestLog);
  const withCors = options.cors && options.cors.origins.length > 0 ? cors(options.cors) : undefined;
  const limit = bodyLimit({
    maxSize: options.bodyLimitBytes,
    onError: (c) =>
      problemResponse(
        c,
        problem({
          status: 413,
          code: 'http/payload-too-large',
          detail: `The request body exceeds ${options.bodyLimitBytes} bytes.`,
          instance: c.req.path,
          requestId: c.get('requestId'),
        }),
      ),
  });
  const requireJson = requireJsonBody();
  const guards = options.guards ?? [];
  const onError = options.onError;
  /** What a throwing guard answers: as Hono's compose would make it, through the app's error handler. */
  const failed = async (c: Context<AppEnv>, error: unknown): Promise<void> => {
    if (!(error instanceof Error) || !onError) throw error;
    c.error = error;
    c.res = await onError(error, c);
  };
  /** The guards from `from` on, then the route: synchronously as far as the guards allow. */
  const guarded = (c: Context<AppEnv>, next: Next, from = 0): Promise<void> => {
    for (let i = from; i < guards.length; i++) {
      let answer: ReturnType<EdgeGuard>;
      try {
        answer = (guards[i] as EdgeGuard)(c);
      } catch (error) {
        return failed(c, error);
      }
      if (answer === undefined) continue;
      if (answer instanceof Response) {
        c.res = answer;
        return Promise.resolve();
      }
      return answer.then(
        (refused): Promise<void> | undefined => {
          if (!refused) return guarded(c, next, i + 1);
          c.res = refused;
          return undefined;
        },
        (error: unknown) => failed(c, error),
      );
    }
    return next();
  };
  // A middleware called here, not by Hono's compose, hands its answer back instead of setting it: set it as compose would.
  const settle = (c: Context<AppEnv>, answer: Response | void) => {
    if (answer && !c.finalized) c.res = answer;
  };
  const checkBody = async (c: Context<AppEnv>, next: Next) => {
    let read = false;
    let answer: Response | void;
    try {
      answer = await limit(c, async () => {
        read = true;
        settle(c, await requireJson(c, next));
      });
    } catch (error) {
      if (read) throw error;
      // The body stopped before its end while the limit read it (a broken chunked encoding, a client gone, the
      // server's request timeout): the client's fault, answered (if the connection still takes an answer) and counted
      // as a 400 (or the 408 the server sent), not a failure here.
      answer = problemResponse(c, problem({ ...unreadBodyProblem(c, 'http/malformed-request'), instance: c.req.path, requestId: c.get('requestId') }));
    }
    settle(c, answer);
  };
  // The guards first (access is checked before anything else about the request: a 401 or 403, not a 415, for a
  // caller who may not send it at all), then, for methods with a body, its checks. GET and HEAD carry no body:
  // skipping the checks keeps the request's body stream untouched (and cheap), and without CORS they go straight on
  // to the guards, with no function (and promise) between the edge and the route.
  // A request no route serves goes on unread to the 404 or 405.
  const checked = (c: Context<AppEnv>, next: Next): Promise<void> =>
    bodiless(c.req.method) || !servesRequest(c) ? guarded(c, next) : guarded(c, () => checkBody(c, next));
  const downstream = (c: Context<AppEnv>, next: Next): Promise<unknown> => {
    if (withCors) return withCors(c, () => checked(c, next)).then((answer) => settle(c, answer));
    return checked(c, next);
  };

  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given && given.length <= 128 && !unsafeRequestId.test(given) ? given : crypto.randomUUID();
    const path = c.req.path;
    const module = moduleOf(path);
    c.set('requestId', requestId);
    c.set('logger', logger);
    c.set('module', module);
    c.set('undeclaredProblems', undeclaredProblems);
    const sink = (c.env as EdgeBindings | undefined)?.headerSink;
    if (sink) sink.edgeHeaders = [secureHeaders, { 'x-request-id': requestId }];
    else {
      c.header('x-request-id', requestId);
      for (const [name, value] of secureHeaderEntries) c.header(name, value);
    }
    const context = executionContextOf(c, requestId);
    // Probes every few seconds would drown the traces that matter.
    const span = tracing.enabled && !path.startsWith('/health/') ? serverSpan(tracing, c, path, context) : undefined;
    let status = 500;
    try {
      await runInContext(context, () => downstream(c, next));
      // Refused before the route's own middleware ran: the route may want its refusals shaped its way (OAuth).
      if (c.res.status >= 400 && c.get('route') === undefined) await routeMarks(c).earlyAnswer?.(c);
      if (!sink && !c.res.headers.has('x-request-id')) addMissingHeaders(c, requestId);
      status = c.res.status;
    } finally {
      const ms = performance.now() - started;
      const ids = span?.spanContext();
      if (span) endServerSpan(span, c, status);
      log({
        requestId,
        correlationId: context.correlationId === requestId ? undefined : context.correlationId,
        module,
        caller: context.caller,
        method: methodSent(c),
        path,
        status,
        ms: Math.round(ms * 100) / 100,
        ...(ids ? { trace_id: ids.traceId, span_id: ids.spanId } : {}),
      });
      observe?.(routeContract(c), module, status, status >= 400 ? c.get('problem') : undefined, ms / 1000);
    }
  };
}

/**
 * A handler that returns a `Response` it built itself bypasses what was set on the context: the edge's headers are
 * added to it afterwards (the ones it does not set itself), on a copy when its headers are immutable (from `fetch`).
 */
function addMissingHeaders(c: Context<AppEnv>, requestId: string): void {
  const add = (headers: Headers) => {
    for (const [name, value] of [['x-request-id', requestId], ...secureHeaderEntries] as const) if (!headers.has(name)) headers.set(name, value);
  };
  try {
    add(c.res.headers);
  } catch {
    const copy = new Response(c.res.body, c.res);
    add(copy.headers);
    c.res = copy;
  }
}

/** The method the client sent: a HEAD the adapter dispatched as its GET (Deno) is still a HEAD to the log and span. */
function methodSent(c: Context<AppEnv>): string {
  return (c.env as EdgeBindings | undefined)?.method ?? c.req.method;
}

/** The inbound request's span (HTTP server semantic conventions), the parent of everything the request does. */
function serverSpan(tracing: Tracing, c: Context<AppEnv>, path: string, context: ExecutionContext): Span | undefined {
  const span = tracing.startSpan(methodSent(c), { kind: SpanKind.SERVER }, context);
  if (!span) return undefined;
  context.span = span;
  // The sampler (parent-based, by ratio of trace ids) does not read attributes: a span it left out (most requests,
  // at a small ratio) is spared building them.
  if (span.isRecording())
    span.setAttributes({
      'http.request.method': methodSent(c),
      'url.path': path,
      'url.scheme': c.req.url.startsWith('https:') ? 'https' : 'http',
      // The id the response's `X-Request-Id` and the log lines carry: the operations page finds the trace by it.
      'cleave.request_id': context.requestId,
    });
  return span;
}

/** Names the span after the route that answered (`GET /catalog/v1/products/:id`: no ids), with the status. */
function endServerSpan(span: Span, c: Context<AppEnv>, status: number): void {
  // A span the sampler left out records nothing: naming it would only cost (most requests, at a small ratio).
  if (!span.isRecording()) return span.end();
  // The last route matched that is not app-wide middleware: the operation, or the gateway's `/<module>/*`.
  const route = matchedRoutes(c).findLast((r) => r.path !== '*' && r.path !== '/*')?.path;
  if (route) {
    span.updateName(`${methodSent(c)} ${route}`);
    span.setAttribute('http.route', route);
  }
  span.setAttribute('http.response.status_code', status);
  const module = c.get('module');
  if (module) span.setAttribute('cleave.module', module);
  // Server spans mark 5xx as errors, not 4xx (the client's fault): OpenTelemetry HTTP semantic conventions.
  if (status >= 500) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute('error.type', String(status));
  }
  span.end();
}

/** What module clients and the outbox carry onwards from this request without being handed it. */
function executionContextOf(c: Context<AppEnv>, requestId: string): ExecutionContext {
  const correlation = c.req.header('x-correlation-id');
  const traceparent = c.req.header('traceparent');
  // The caller is who authenticated (see `authorize`), never a header a client sent.
  return {
    requestId,
    correlationId: correlation && safeId.test(correlation) ? correlation : requestId,
    causationId: requestId,
    ...(traceparent && traceparentPattern.test(traceparent) ? { traceparent } : {}),
  };
}
