import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';

export interface CorsOptions {
  /** Exact origins (`https://app.example.com`) allowed to call the API from a browser; no wildcard. */
  origins: readonly string[];
  /** Whether they may send credentials (cookies, `Authorization`) and read the answers. */
  credentials: boolean;
}

const allowMethods = 'GET, HEAD, POST, PUT, PATCH, DELETE';
// Request headers a Cleave client sends beyond the CORS-safelisted ones.
const allowHeaders = 'authorization, content-type, if-match, idempotency-key, traceparent, x-correlation-id, x-request-id';
// Response headers a browser script may read beyond the safelisted ones.
const exposeHeaders =
  'deprecation, etag, idempotent-replayed, link, location, ratelimit, ratelimit-policy, retry-after, sunset, www-authenticate, x-request-id';

/**
 * CORS by allow-list: a request from a listed origin gets `Access-Control-Allow-Origin` naming exactly that origin
 * (never `*`, never an unlisted origin reflected), on answers and problems alike; its preflight (`OPTIONS` with
 * `Access-Control-Request-Method`) is answered 204 here. Requests from other origins get no CORS headers, so the
 * browser keeps their answers from the page.
 */
export function cors(options: CorsOptions): MiddlewareHandler<AppEnv> {
  const allowed = new Set(options.origins);
  return async (c, next) => {
    const origin = c.req.header('origin');
    const preflight = c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined;
    if (origin === undefined || !allowed.has(origin)) {
      if (preflight) return c.body(null, 204, { vary: 'Origin' });
      await next();
      if (origin !== undefined) c.header('vary', 'Origin', { append: true });
      return;
    }
    const common: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'Origin' };
    if (options.credentials) common['access-control-allow-credentials'] = 'true';
    if (preflight) {
      return c.body(null, 204, {
        ...common,
        'access-control-allow-methods': allowMethods,
        'access-control-allow-headers': allowHeaders,
        'access-control-max-age': '600',
      });
    }
    for (const [name, value] of Object.entries(common)) c.header(name, value, { append: name === 'vary' });
    c.header('access-control-expose-headers', exposeHeaders);
    await next();
    // A handler that returned a Response it built itself (the gateway's answer from a module elsewhere) bypassed the
    // headers prepared above: they are put on it.
    const answered = c.res.headers;
    if (answered.has('access-control-allow-origin')) return;
    if (!listsOrigin.test(answered.get('vary') ?? '')) c.header('vary', 'Origin', { append: true });
    for (const [name, value] of Object.entries(common)) if (name !== 'vary') c.header(name, value);
    c.header('access-control-expose-headers', exposeHeaders);
  };
}

const listsOrigin = /(^|,)\s*origin\s*(,|$)/i;
