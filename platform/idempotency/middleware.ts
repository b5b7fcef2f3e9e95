import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler, Next } from 'hono';
import { isUnsafe, parseIdempotencyKey, problem, problemResponse, requestLog, routeMarks, textRuleViolation, type AppEnv } from '../http/index.ts';
import { currentContext } from '../observability/index.ts';
import { runKeyed, type KeyedScope } from './request-scope.ts';
import type { IdempotencyStore, KeyedRequest } from './store.ts';
import type { StoredResponse } from './tables.ts';

// Answers that say the request was refused before it ran (or may succeed when sent again unchanged) are not kept.
const notKept = new Set([400, 401, 403, 408, 413, 415, 428, 429, 431]);
// Headers of an answer that belong to that one exchange (or to its caller's origin), not to the answer.
const notReplayed = new Set(['x-request-id', 'date', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'set-cookie', 'vary']);
const replayed = (name: string) => !notReplayed.has(name) && !name.startsWith('access-control-');

const sha256 = (...parts: (string | Uint8Array)[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\n');
  return hash.digest('hex');
};

/**
 * Whose keys these are: the calling module (a module client's identity) and the credentials the request carried,
 * hashed. Clients with different credentials never see each other's answers; anonymous clients share one scope.
 */
function scopeOf(c: Context<AppEnv>): string {
  return sha256(currentContext()?.caller ?? '-', c.req.header('authorization') ?? '-');
}

async function snapshot(response: Response): Promise<StoredResponse> {
  const headers = [...response.headers].filter(([name]) => replayed(name));
  return { status: response.status, headers, body: await response.clone().text() };
}

function refuse(c: Context<AppEnv>, status: 409 | 422, code: string, detail: string): Response {
  return problemResponse(c, problem({ status, code, detail, instance: c.req.path, requestId: c.get('requestId') }));
}

/**
 * `Idempotency-Key` (IETF draft-ietf-httpapi-idempotency-key-header) for a module's unsafe operations. The first
 * request with a key runs; its answer is stored in the module's schema, in the same transaction as its effect
 * (see `moduleTransaction`). The same key again replays the stored answer (`Idempotent-Replayed: true`); with a
 * different body or query it is 422; while the first still runs, 409. A malformed key is left to validation.
 */
export function idempotency(module: string, store: IdempotencyStore): MiddlewareHandler<AppEnv> {
  // Keys being processed in this process: a duplicate gets its 409 without waiting on the database (on embedded
  // PGlite, a single connection, the first request's open transaction would make it wait).
  const running = new Set<string>();
  return async (c, next) => {
    if (!isUnsafe(c.req.method)) return next();
    const key = parseIdempotencyKey(c.req.header('idempotency-key'));
    // A malformed key, or a path no text column can hold (U+0000...): validation refuses the request anyway.
    if (key === undefined || textRuleViolation(c.req.path) !== undefined) return next();
    // An operation whose answers carry credentials declared that it takes no key: nothing of it is stored.
    if (routeMarks(c).noIdempotencyKey) return next();
    const body = new Uint8Array(await c.req.arrayBuffer());
    const request = { scope: scopeOf(c), method: c.req.method, path: c.req.path, key, fingerprint: sha256(new URL(c.req.url).search, body) };
    const id = JSON.stringify([request.scope, request.method, request.path, request.key]);
    if (running.has(id)) return refuse(c, 409, 'http/idempotency-key-in-use', 'A request with this Idempotency-Key is still being processed; retry later.');
    running.add(id);
    try {
      return await keyed(c, next, module, store, request);
    } finally {
      running.delete(id);
    }
  };
}

/** A keyed request this process is not already running: claim its key, then replay, refuse, or run it. */
async function keyed(c: Context<AppEnv>, next: Next, module: string, store: IdempotencyStore, request: KeyedRequest): Promise<Response | undefined> {
  const claimed = await store.claim(request);
  if (claimed.kind === 'replay') {
    const { status, headers, body } = claimed.response;
    for (const [name, value] of headers) c.header(name, value, { append: name === 'link' });
    c.header('idempotent-replayed', 'true');
    return c.body(body, status as 200);
  }
  if (claimed.kind === 'mismatch')
    return refuse(c, 422, 'http/idempotency-key-reused', 'This Idempotency-Key was used for a different request (another body or query); use a new key.');
  if (claimed.kind === 'outcome-unknown')
    return refuse(
      c,
      409,
      'http/idempotency-key-in-use',
      'The request with this Idempotency-Key took effect, but its answer was lost; read the resource to see its state.',
    );
  if (claimed.kind === 'in-progress')
    return refuse(c, 409, 'http/idempotency-key-in-use', 'A request with this Idempotency-Key is still being processed; retry later.');

  const scope: KeyedScope = { module, store, claim: claimed.claim, held: undefined };
  await runKeyed(scope, () => next());
  try {
    await settle(c, scope);
  } catch (error) {
    requestLog(c).error({ err: error }, 'storing the idempotent answer failed');
    await store.release(scope.claim).catch(() => {});
    const detail = 'An unexpected error occurred. Quote the request id when reporting it.';
    c.res = problemResponse(c, problem({ status: 500, code: 'http/internal', detail, instance: c.req.path, requestId: c.get('requestId') }));
  }
  return undefined;
}

/** Ends the request's hold on its key: the answer stored with the effect, kept alone, or the key given up. */
async function settle(c: Context<AppEnv>, scope: KeyedScope): Promise<void> {
  const response = c.res;
  const success = response.status < 400;
  const kept = response.status < 500 && !notKept.has(response.status);
  const held = scope.held;
  if (held?.open) {
    // The effect commits only with a success: an error answer means the client was told it did not happen.
    if (success) return held.end({ kind: 'commit', response: await snapshot(response) });
    await held.end({ kind: 'rollback' });
  } else if (held) {
    // Committed early (its effect is in): whatever the answer, it is the one to replay.
    return scope.store.complete(scope.claim, await snapshot(response));
  }
  if (kept) await scope.store.complete(scope.claim, await snapshot(response));
  else await scope.store.release(scope.claim);
}
