import type { Context, MiddlewareHandler } from 'hono';
import { currentContext, runInContext, type ExecutionContext, type Logger } from '../observability/index.ts';
import { problem, problemResponse } from './problem.ts';
import type { AppEnv } from './app-env.ts';
import { routeMarks } from './route-marks.ts';

// The same media types Hono's JSON validator reads, so nothing passes here that it would then ignore.
const jsonType = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/** A JSON media type, in UTF-8: RFC 8259 §8.1 allows no other encoding, so another charset is refused. */
function isJson(type: string): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1];
  return jsonType.test(type) && (charset === undefined || /^utf-?8$/i.test(charset));
}

/**
 * Cleave APIs speak JSON: a request that carries a body of another media type (or none) gets 415. Runs after the
 * body limit, which bounds the read needed when a request declares no length. The one exception is a route that
 * declared a form body (`contractRoute`, RFC 6749 endpoints): its own middleware then holds the body to that type.
 */
export function requireJsonBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header('content-type');
    if ((type !== undefined && isJson(type)) || !(await hasBody(c.req.raw)) || routeMarks(c).formBody) return next();
    return problemResponse(
      c,
      problem({
        status: 415,
        code: 'http/unsupported-media-type',
        detail: `Send the body as application/json in UTF-8${type ? `, not ${type}` : ''}.`,
        instance: c.req.path,
        requestId: c.get('requestId'),
      }),
      { 'accept-post': 'application/json' },
    );
  };
}

/** Methods whose requests carry no body we read; checked first, because touching `request.body` is not free. */
export function bodiless(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

async function hasBody(request: Request): Promise<boolean> {
  if (bodiless(request.method)) return false;
  const length = request.headers.get('content-length');
  if (length !== null) return length !== '0';
  if (request.headers.has('transfer-encoding')) return true;
  // On @hono/node-server, reading `.body` turns its light request into a full one: only now, when headers say nothing.
  if (request.body === null) return false;
  // No length declared (e.g. a Request built in-process): only reading tells. Rare: JSON requests never get here.
  return (await request.clone().arrayBuffer()).byteLength > 0;
}

/**
 * Logs one line per response, carrying the request id (and correlation id, module and caller when there are
 * any). The request's child logger is made only when something asks for it (`requestLog`), not on every request.
 */
export function requestLogging(logger: Logger, moduleOf: (path: string) => string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    c.set('logger', logger);
    c.set('module', moduleOf(c.req.path));
    await next();
    if (logger.isLevelEnabled('info')) {
      logger.info(
        { ...logBindings(c), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - started) * 100) / 100 },
        'request',
      );
    }
  };
}

function logBindings(c: Context<AppEnv>): Record<string, string> {
  const bindings: Record<string, string> = { requestId: c.get('requestId') };
  const context = currentContext();
  if (context?.correlationId && context.correlationId !== bindings.requestId) bindings.correlationId = context.correlationId;
  const module = c.get('module');
  if (module) bindings.module = module;
  if (context?.caller) bindings.caller = context.caller;
  return bindings;
}

/** The request's logger: a child carrying the request's ids, made on first use and kept for the request. */
export function requestLog(c: Context<AppEnv>): Logger {
  let log = c.get('log');
  if (!log) {
    log = c.get('logger').child(logBindings(c));
    c.set('log', log);
  }
  return log;
}

const secureHeaderValues: [string, string][] = [
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
  ['origin-agent-cluster', '?1'],
  ['referrer-policy', 'no-referrer'],
  ['strict-transport-security', 'max-age=15552000; includeSubDomains'],
  ['x-content-type-options', 'nosniff'],
  ['x-dns-prefetch-control', 'off'],
  ['x-download-options', 'noopen'],
  ['x-frame-options', 'SAMEORIGIN'],
  ['x-permitted-cross-domain-policies', 'none'],
  ['x-xss-protection', '0'],
];

/**
 * Hono's `secureHeaders` defaults, set before the handler runs so they join the response as it is built. (Setting
 * them afterwards, as `secureHeaders` does, forces @hono/node-server off its fast path: measured at ~15 µs a request.)
 */
export function staticSecureHeaders(): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    for (const [name, value] of secureHeaderValues) c.header(name, value);
    return next();
  };
}

const safeId = /^[\w.:=-]{1,128}$/;
const traceparentPattern = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;

/**
 * Runs the rest of the request inside an execution context, so that module clients and the outbox carry the
 * request id, correlation id, trace context and caller onwards without being handed them.
 */
export function executionContext(): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const requestId = c.get('requestId');
    const correlation = c.req.header('x-correlation-id');
    const traceparent = c.req.header('traceparent');
    const caller = c.req.header('x-cleave-caller');
    const context: ExecutionContext = {
      requestId,
      correlationId: correlation && safeId.test(correlation) ? correlation : requestId,
      causationId: requestId,
      ...(traceparent && traceparentPattern.test(traceparent) ? { traceparent } : {}),
      ...(caller && safeId.test(caller) ? { caller } : {}),
    };
    return runInContext(context, next);
  };
}
