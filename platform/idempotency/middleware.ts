import type { Context, MiddlewareHandler, Next } from 'hono';
import {
  asMiddleware,
  isUnsafe,
  parseIdempotencyKey,
  problem,
  problemResponse,
  requestLog,
  routeMarks,
  textRuleViolation,
  unsafeMethodNames,
  type AppEnv,
} from '../http/index.ts';
import { currentContext } from '../observability/index.ts';
import { keyScope, replayedHeader, requestFingerprint, type IdempotencyGate } from './exchange.ts';
import type { StoredResponse } from './tables.ts';

async function snapshot(response: Response): Promise<StoredResponse> {
  const headers = [...response.headers].filter(([name]) => replayedHeader(name));
  return { status: response.status, headers, body: await response.clone().text() };
}

function problemFor(c: Context<AppEnv>, status: 409 | 422 | 500, code: string, detail: string): Response {
  return problemResponse(c, problem({ status, code, detail, instance: c.req.path, requestId: c.get('requestId') }));
}

/**
 * `Idempotency-Key` (IETF draft-ietf-httpapi-idempotency-key-header) for a module's unsafe operations over HTTP.
 * The first request with a key runs; its answer is stored in the module's schema, in the same transaction as its
 * effect (see `moduleTransaction`). The same key again replays the stored answer (`Idempotent-Replayed: true`); with
 * a different body, query or `If-Match` it is 422; while the first still runs, 409. A malformed key is left to validation.
 */
export function idempotency(gate: IdempotencyGate): MiddlewareHandler<AppEnv> {
  // Safe methods pass straight on, with no promise of this middleware's own.
  return (c, next) => (isUnsafe(c.req.method) ? keyed(c, next) : next());

  async function keyed(c: Context<AppEnv>, next: Next): Promise<Response | void> {
    const key = parseIdempotencyKey(c.req.header('idempotency-key'));
    // A malformed key, or a path no text column can hold (U+0000...): validation refuses the request anyway.
    if (key === undefined || textRuleViolation(c.req.path) !== undefined) return next();
    // An operation whose answers carry credentials declared that it takes no key: nothing of it is stored.
    if (routeMarks(c).noIdempotencyKey) return next();
    let body: Uint8Array;
    try {
      body = new Uint8Array(await c.req.arrayBuffer());
    } catch {
      // The body could not be read to its end (the client went away mid-way): there is no request to key. Hono keeps
      // the failed read, so the route's body validation refuses it as it refuses one without a key (400, or 408).
      return next();
    }
    const request = {
      scope: keyScope(currentContext()?.principal),
      method: c.req.method,
      path: c.req.path,
      key,
      fingerprint: requestFingerprint(new URL(c.req.url).search, body, c.req.header('if-match')),
    };
    const result = await gate.exchange(
      request,
      async () => {
        await next();
        return c.res;
      },
      { status: (response) => response.status, snapshot },
    );
    if (result.kind === 'replay') {
      const { status, headers, body: stored } = result.response;
      for (const [name, value] of headers) c.header(name, value, { append: name === 'link' });
      c.header('idempotent-replayed', 'true');
      return c.body(stored, status as 200);
    }
    if (result.kind === 'refused') {
      const refused = problemFor(c, result.status, result.code, result.detail);
      if (result.retryAfterSeconds !== undefined) refused.headers.set('retry-after', String(result.retryAfterSeconds));
      return refused;
    }
    if (result.kind === 'store-failed') {
      requestLog(c).error({ err: result.error }, 'storing the idempotent answer failed');
      c.res = problemFor(c, 500, 'http/internal', 'An unexpected error occurred. Quote the request id when reporting it.');
    }
    return undefined;
  }
}

/**
 * Puts `gate` in front of `module`'s operations (`/<module>/*`) for the unsafe methods only, the ones that take a key:
 * a read matches one handler fewer (a dispatch, and its promises). Registered as middleware, so it makes no path
 * known to another method (405).
 */
export function mountIdempotency(
  app: { on(methods: string[], path: string, handler: MiddlewareHandler<AppEnv>): unknown },
  module: string,
  gate: IdempotencyGate,
): void {
  app.on([...unsafeMethodNames], `/${module}/*`, asMiddleware(idempotency(gate)));
}
