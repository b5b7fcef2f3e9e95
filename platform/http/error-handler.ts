import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { transientDatabaseFailure } from '../db/index.ts';
import { CleaveError, isDomainError } from './errors.ts';
import { problem, problemResponse, problemSchema, statusByKind, type Problem } from './problem.ts';
import { isMiddleware } from './route-marks.ts';
import type { AppEnv } from './app-env.ts';
import { requestLog } from './middleware.ts';
import { causesOf, stripUrlCredentials } from '../observability/index.ts';

/** The members every problem has; an error's own fields (its problem's extensions) must not use these names. */
const problemMembers: ReadonlySet<string> = new Set(Object.keys(problemSchema.shape));

/**
 * What a thrown value means to the caller. A database failure that passes (a lock or statement timeout, a
 * serialization failure, a lost connection: see `transientDatabaseFailure`) is 503 `db/unavailable` with
 * `Retry-After: 1`, so a client tries again rather than reporting a fault; anything else is itself. Both the HTTP
 * error handler and the direct in-process path map through it.
 */
export function asCallerError(error: unknown): unknown {
  if (isDomainError(error)) return error;
  const reason = transientDatabaseFailure(error);
  if (reason === undefined) return error;
  return new CleaveError('unavailable', databaseUnavailable, `The database could not complete this request now: ${reason}. Try again shortly.`, {
    cause: error,
    retryAfterSeconds: 1,
  });
}

/** The code of a request that met a passing database failure (`asCallerError`). */
export const databaseUnavailable = 'db/unavailable';

/**
 * Maps any thrown value (after `asCallerError`) to a problem body. Unknown errors become a 500 that reveals nothing
 * about internals.
 */
export function problemFromError(error: unknown, c: Context<AppEnv>): Problem {
  const common = { instance: c.req.path, requestId: c.get('requestId') };
  if (isDomainError(error)) {
    const clash = error.details && Object.keys(error.details).filter((name) => problemMembers.has(name));
    if (clash?.length) {
      // The problem's own member would silently overwrite the error's field (a `status: 'authorized'` became 409).
      c.get('logger')?.error(
        { requestId: c.get('requestId'), code: error.code, fields: clash },
        'problem field clash: the error has fields named like members of the problem itself; rename them',
      );
      if (c.get('undeclaredProblems') !== 'log')
        return problem({
          ...common,
          status: 500,
          code: 'http/internal',
          detail: `The error ${error.code} has fields named like problem members (${clash.join(', ')}), which would be lost.`,
        });
    }
    return problem({
      ...common,
      status: statusByKind[error.kind],
      code: error.code,
      detail: error.message,
      ...(error.details ? { extensions: error.details } : {}),
    });
  }
  if (error instanceof HTTPException) {
    // Hono's JSON validator throws a 400 HTTPException when the body does not parse.
    if (error.status === 400 && /malformed json/i.test(error.message)) {
      return problem({ ...common, status: 400, code: 'http/malformed-json', detail: 'The request body is not valid JSON.' });
    }
    return problem({ ...common, status: error.status, code: `http/${error.status}`, ...(error.message ? { detail: error.message } : {}) });
  }
  return problem({ ...common, status: 500, code: 'http/internal', detail: 'An unexpected error occurred. Quote the request id when reporting it.' });
}

/**
 * `onError`: the problem for whatever was thrown. Unexpected errors are logged at error level with their stack;
 * an upstream module being down or slow is an operational condition, logged as a warning in one line. A 503 says
 * when to try again (`Retry-After`) when the error knows.
 */
export const errorHandler: ErrorHandler<AppEnv> = (thrown, c) => {
  const error = asCallerError(thrown);
  const body = problemFromError(error, c);
  const log = c.get('logger') ? requestLog(c) : undefined;
  const known = isDomainError(error) ? error : undefined;
  if (body.status >= 500 && !known) log?.error({ err: error, code: body.code }, 'request failed');
  else if (body.code === databaseUnavailable) log?.warn({ err: thrown, code: body.code }, 'request failed: the database was busy or out of reach');
  else if (body.status >= 500) {
    // Why it could not be reached (a refused connection, a certificate the CA does not vouch for, a client certificate
    // refused): the causes, URL passwords masked. Without it a TLS misconfiguration reads as a network outage.
    const reason = known ? causesOf(known) : undefined;
    log?.warn(
      { code: body.code, detail: body.detail, ...rename(known?.details, 'module', 'upstream'), ...(reason ? { reason: stripUrlCredentials(reason) } : {}) },
      'request failed upstream',
    );
  } else log?.debug({ code: body.code, detail: body.detail }, 'request rejected');
  const retryAfter = body.status === 503 ? known?.retryAfterSeconds : undefined;
  return problemResponse(c, body, retryAfter === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(retryAfter))) });
};

// The request's logger already names the module it serves as `module`; the one that failed upstream is another.
function rename(details: Record<string, unknown> | undefined, key: string, as: string): Record<string, unknown> {
  return details && key in details ? { [as]: details[key] } : {};
}

interface RouteLike {
  method: string;
  path: string;
  handler?: unknown;
}

/**
 * 404 for unknown paths, 405 with `Allow` when the path exists under other methods.
 * Hono itself answers both with 404, so the route table is consulted here.
 */
export function notFoundHandler(routes: () => readonly RouteLike[]): NotFoundHandler<AppEnv> {
  let compiled: { method: string; pattern: RegExp }[] = [];
  let seen = -1;
  return (c) => {
    const all = routes();
    if (all.length !== seen) {
      // Middleware (`app.use`, or registered for some methods only) serves no path of its own.
      compiled = all.filter((r) => r.method !== 'ALL' && !isMiddleware(r.handler)).map((r) => ({ method: r.method, pattern: pathPattern(r.path) }));
      seen = all.length;
    }
    const allowed = [...new Set(compiled.filter((r) => r.pattern.test(c.req.path)).map((r) => r.method))];
    const common = { instance: c.req.path, requestId: c.get('requestId') };
    // A handler may call `c.notFound()` on a path its method does serve: that is a 404, not a 405.
    if (allowed.length > 0 && !allowed.includes(c.req.method)) {
      if (allowed.includes('GET')) allowed.push('HEAD');
      return problemResponse(
        c,
        problem({ ...common, status: 405, code: 'http/method-not-allowed', detail: `${c.req.method} is not allowed here; use ${allowed.join(', ')}.` }),
        { allow: allowed.join(', ') },
      );
    }
    return problemResponse(c, problem({ ...common, status: 404, code: 'http/not-found', detail: `No route matches ${c.req.method} ${c.req.path}.` }));
  };
}

function pathPattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}/?$`);
}
