import type { Context, MiddlewareHandler } from 'hono';
import { childWithIds, currentContext, type Logger } from '../observability/index.ts';
import { problem, problemResponse } from './problem.ts';
import type { AppEnv } from './app-env.ts';
import { routeMarks } from './route-marks.ts';

// What @hono/zod-openapi's media-type gate accepts for a JSON body (its `jsonRequestRegex`), so nothing passes here
// that the route would then refuse with a bare 415 of its own; e.g. `application/json ;charset=utf-8` is refused here.
const jsonType = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/** A JSON media type, in UTF-8: RFC 8259 §8.1 allows no other encoding, so another charset is refused. */
function isJson(type: string): boolean {
  if (!jsonType.test(type)) return false;
  // Every charset parameter, not the first one only: `charset=utf-8; charset=latin1` names two encodings.
  for (const [, charset] of type.matchAll(/;\s*charset\s*=\s*"?([^";\s]+)/gi)) if (!/^utf-?8$/i.test(charset as string)) return false;
  return true;
}

/** A body sent in a content coding (gzip, br): none is accepted (RFC 9110 §8.4.1: 415). */
function isEncoded(encoding: string | undefined): boolean {
  return encoding !== undefined && encoding.trim().toLowerCase() !== 'identity' && encoding.trim() !== '';
}

/**
 * Cleave APIs speak JSON: a request that carries a body of another media type (or none) gets 415. Runs after the
 * body limit, which bounds the read needed when a request declares no length. The one exception is a route that
 * declared a form body (`contractRoute`, RFC 6749 endpoints): its own middleware then holds the body to that type.
 */
export function requireJsonBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header('content-type');
    const encoding = c.req.header('content-encoding');
    if (isEncoded(encoding) && (await hasBody(c.req.raw)))
      return problemResponse(
        c,
        problem({
          status: 415,
          code: 'http/unsupported-media-type',
          detail: `Send the body without a content coding, not ${encoding}.`,
          instance: c.req.path,
          requestId: c.get('requestId'),
        }),
        { 'accept-encoding': 'identity' },
      );
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

function logBindings(c: Context<AppEnv>): Record<string, string> {
  const bindings: Record<string, string> = { requestId: c.get('requestId') };
  const context = currentContext();
  // Bound even when it equals the request id: the context's ids are not added to this logger's lines (`childWithIds`).
  if (context?.correlationId) bindings.correlationId = context.correlationId;
  const module = c.get('module');
  if (module) bindings.module = module;
  if (context?.caller) bindings.caller = context.caller;
  return bindings;
}

/** The request's logger: a child carrying the request's ids, made on first use and kept for the request. */
export function requestLog(c: Context<AppEnv>): Logger {
  let log = c.get('log');
  if (!log) {
    log = childWithIds(c.get('logger'), logBindings(c));
    c.set('log', log);
  }
  return log;
}
