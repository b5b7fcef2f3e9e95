import { createHash } from 'node:crypto';
import { runKeyed, type KeyedScope } from './request-scope.ts';
import type { IdempotencyStore, KeyedRequest } from './store.ts';
import type { StoredResponse } from './tables.ts';
import { endUserOf, type Principal } from '../security/principal.ts';

// Answers that say the request was refused before it ran (or may succeed when sent again unchanged) are not kept.
const notKept = new Set([400, 401, 403, 408, 413, 415, 428, 429, 431]);
// Headers of an answer that belong to that one exchange (or to its caller's origin), not to the answer.
const notReplayed = new Set(['x-request-id', 'date', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'set-cookie', 'vary']);

/** Whether a response header is stored with the answer and given again on a replay. */
export const replayedHeader = (name: string) => !notReplayed.has(name) && !name.startsWith('access-control-');

const sha256 = (...parts: (string | Uint8Array)[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\n');
  return hash.digest('hex');
};

/**
 * What makes a keyed request the same request again: its query string, its body and the precondition it was sent
 * under (`If-Match`). An update from version 3 and one from version 4 are different requests, so a key reused for the
 * second is refused (422) rather than replaying the first's answer as if the second had run. A request without
 * `If-Match` hashes as it did before the precondition counted, so keys stored by an earlier release still match.
 */
export function requestFingerprint(search: string, body: string | Uint8Array, ifMatch: string | undefined): string {
  return ifMatch === undefined ? sha256(search, body) : sha256(search, body, 'if-match', ifMatch);
}

/**
 * Whose keys these are: the authenticated caller (a module or a client) and the end user it acts for, hashed.
 * Callers never see each other's answers; a caller that renews its token keeps its keys; anonymous callers (public
 * routes) share one scope.
 */
export function keyScope(principal: Principal | undefined): string {
  return sha256(principal?.module ?? principal?.clientId ?? '-', endUserOf(principal)?.subject ?? '-');
}

/** How a keyed request ended, for the path that serves it (HTTP or a direct in-process call) to answer. */
export type KeyedResult<A> =
  | { kind: 'replay'; response: StoredResponse }
  /** `retryAfterSeconds`: when the key held by another request is free again (sent as `Retry-After`). */
  | { kind: 'refused'; status: 409 | 422; code: string; detail: string; retryAfterSeconds?: number }
  | { kind: 'ran'; answer: A }
  /** The request ran, but its answer could not be stored; the key was given up. Answer a 500. */
  | { kind: 'store-failed'; error: unknown };

/** What the keyed exchange needs to know of an answer. */
export interface AnswerShape<A> {
  status(answer: A): number;
  snapshot(answer: A): StoredResponse | Promise<StoredResponse>;
}

const inUse = 'A request with this Idempotency-Key is still being processed; retry later.';

/**
 * A module's `Idempotency-Key` gate, shared by every path into the module (HTTP and direct in-process calls), so a
 * key is claimed, replayed or refused the same way whichever path a request takes.
 */
export interface IdempotencyGate {
  readonly module: string;
  readonly store: IdempotencyStore;
  /**
   * Claims the request's key, then replays the stored answer, refuses (409 in use, 422 reused for another
   * request), or runs `run` as the keyed request (its first transaction held until the answer is known) and
   * stores its answer with the effect.
   */
  exchange<A>(request: KeyedRequest, run: () => Promise<A>, shape: AnswerShape<A>): Promise<KeyedResult<A>>;
}

export function createIdempotencyGate(module: string, store: IdempotencyStore): IdempotencyGate {
  // Keys being processed in this process, with when their lock runs out: a duplicate gets its 409 without waiting on
  // the database (on embedded PGlite, a single connection, the first request's open transaction would make it wait).
  // Past its lock a holder no longer refuses here, as the database lets another request take the key over by then.
  const running = new Map<string, { until: number }>();
  return {
    module,
    store,
    async exchange(request, run, shape) {
      const id = JSON.stringify([request.scope, request.method, request.path, request.key]);
      const holder = running.get(id);
      const leftMs = holder === undefined ? 0 : holder.until - Date.now();
      if (leftMs > 0) return { kind: 'refused', status: 409, code: 'http/idempotency-key-in-use', detail: inUse, retryAfterSeconds: Math.ceil(leftMs / 1000) };
      const mine = { until: Date.now() + store.lockMs };
      running.set(id, mine);
      try {
        const claimed = await store.claim(request);
        if (claimed.kind === 'replay') return { kind: 'replay', response: claimed.response };
        if (claimed.kind === 'mismatch')
          return {
            kind: 'refused',
            status: 422,
            code: 'http/idempotency-key-reused',
            detail: 'This Idempotency-Key was used for a different request (another body, query or If-Match); use a new key.',
          };
        if (claimed.kind === 'outcome-unknown')
          return {
            kind: 'refused',
            status: 409,
            code: 'http/idempotency-key-in-use',
            detail: 'The request with this Idempotency-Key took effect, but its answer was lost; read the resource to see its state.',
          };
        if (claimed.kind === 'in-progress') {
          const retryAfterSeconds = Math.max(1, Math.ceil(claimed.retryAfterMs / 1000));
          return { kind: 'refused', status: 409, code: 'http/idempotency-key-in-use', detail: inUse, retryAfterSeconds };
        }
        const scope: KeyedScope = { module, store, claim: claimed.claim, held: undefined };
        const answer = await runKeyed(scope, run);
        try {
          await settle(scope, shape.status(answer), () => shape.snapshot(answer));
        } catch (error) {
          await store.release(scope.claim).catch(() => {});
          return { kind: 'store-failed', error };
        }
        return { kind: 'ran', answer };
      } finally {
        if (running.get(id) === mine) running.delete(id);
      }
    },
  };
}

/** Ends the request's hold on its key: the answer stored with the effect, kept alone, or the key given up. */
async function settle(scope: KeyedScope, status: number, snapshot: () => StoredResponse | Promise<StoredResponse>): Promise<void> {
  const success = status < 400;
  const kept = status < 500 && !notKept.has(status);
  const held = scope.held;
  if (held?.open) {
    // The effect commits only with a success: an error answer means the client was told it did not happen.
    if (success) return held.end({ kind: 'commit', response: await snapshot() });
    await held.end({ kind: 'rollback' });
  } else if (held) {
    // Committed early (its effect is in): whatever the answer, it is the one to replay.
    return scope.store.complete(scope.claim, await snapshot());
  }
  if (kept) await scope.store.complete(scope.claim, await snapshot());
  else await scope.store.release(scope.claim);
}
