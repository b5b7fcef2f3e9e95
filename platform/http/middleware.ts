import type { MiddlewareHandler } from 'hono';
import { currentContext, runInContext, type ExecutionContext, type Logger } from '../observability/index.ts';
import { problem, problemResponse } from './problem.ts';
import type { AppEnv } from './app-env.ts';

const jsonType = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

/**
 * Cleave APIs speak JSON: a request that carries a body of another media type (or none) gets 415. Runs after the
 * body limit, which bounds the read needed when a request declares no length.
 */
export function requireJsonBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header('content-type');
    if ((type !== undefined && jsonType.test(type)) || !(await hasBody(c.req.raw))) return next();
    return problemResponse(c, 
      problem({
        status: 415,
        code: 'http/unsupported-media-type',
        detail: `Send the body as application/json${type ? `, not ${type}` : ''}.`,
        instance: c.req.path,
        requestId: c.get('requestId'),
      }),
      { 'accept-post': 'application/json' },
    );
  };
}

async function hasBody(request: Request): Promise<boolean> {
  if (request.body === null) return false;
  const length = request.headers.get('content-length');
  if (length !== null) return length !== '0';
  if (request.headers.has('transfer-encoding')) return true;
  // No length declared (e.g. a Request built in-process): only reading tells. Rare: JSON requests never get here.
  return (await request.clone().arrayBuffer()).byteLength > 0;
}

/** Attaches a child logger carrying the request id (and module, when the path names one) and logs each response. */
export function requestLogging(logger: Logger, moduleOf: (path: string) => string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const module = moduleOf(c.req.path);
    const bindings: Record<string, string> = { requestId: c.get('requestId') };
    const correlationId = currentContext()?.correlationId;
    if (correlationId && correlationId !== bindings.requestId) bindings.correlationId = correlationId;
    if (module) bindings.module = module;
    const caller = currentContext()?.caller;
    if (caller) bindings.caller = caller;
    const log = logger.child(bindings);
    c.set('log', log);
    await next();
    if (log.isLevelEnabled('info')) {
      log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - started) * 100) / 100 }, 'request');
    }
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
