import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../observability/index.ts';
import { problem, problemResponse } from './problem.ts';
import type { AppEnv } from './app-env.ts';

const jsonType = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

/** Cleave APIs speak JSON: a request that carries a body of another media type gets 415. */
export function requireJsonBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const length = c.req.header('content-length');
    const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
    const type = c.req.header('content-type');
    if (hasBody && (type === undefined || !jsonType.test(type))) {
      return problemResponse(
        problem({
          status: 415,
          code: 'http/unsupported-media-type',
          detail: `Send the body as application/json${type ? `, not ${type}` : ''}.`,
          instance: c.req.path,
          requestId: c.get('requestId'),
        }),
        { 'accept-post': 'application/json' },
      );
    }
    await next();
  };
}

/** Attaches a child logger carrying the request id (and module, when the path names one) and logs each response. */
export function requestLogging(logger: Logger, moduleOf: (path: string) => string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const module = moduleOf(c.req.path);
    const log = logger.child(module ? { requestId: c.get('requestId'), module } : { requestId: c.get('requestId') });
    c.set('log', log);
    await next();
    if (log.isLevelEnabled('info')) {
      log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - started) * 100) / 100 }, 'request');
    }
  };
}
