import { randomUUID } from 'node:crypto';
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db, Executor } from '../db/index.ts';
import type { Logger } from '../observability/index.ts';
import type { IdempotencyTables, StoredResponse } from './tables.ts';

/** One request under a key: who, what, and a digest of what it carried. */
export interface KeyedRequest {
  scope: string;
  method: string;
  path: string;
  key: string;
  fingerprint: string;
}

/** This request's hold on its key, proven by `token` so a taken-over claim is never completed by the loser. */
export interface Claim extends KeyedRequest {
  token: string;
}

export type ClaimResult =
  | { kind: 'claimed'; claim: Claim }
  | { kind: 'replay'; response: StoredResponse }
  /** The key was used for a different request (another body, query or If-Match). */
  | { kind: 'mismatch' }
  /** The first request with the key is still running. */
  /** Another request holds the key: its lock runs out in `retryAfterMs` (then a retry takes the key over). */
  | { kind: 'in-progress'; retryAfterMs: number }
  /** Its effect committed, but its answer was never recorded (the process stopped in between). */
  | { kind: 'outcome-unknown' };

export interface IdempotencyStore {
  /** How long a claim holds its key against other requests before one may take it over. */
  readonly lockMs: number;
  claim(request: KeyedRequest): Promise<ClaimResult>;
  /** Records the answer; inside the effect's transaction when given one. */
  complete(claim: Claim, response: StoredResponse, executor?: Executor): Promise<void>;
  /** Records, inside the effect's transaction, that the effect happened though its answer is not known yet. */
  markApplied(claim: Claim, executor: Executor): Promise<void>;
  /** Gives the key up after a request that changed nothing and whose answer is not worth keeping. */
  release(claim: Claim): Promise<void>;
  /** Deletes expired keys; returns how many. */
  prune(): Promise<number>;
}

export interface IdempotencyStoreOptions {
  db: Db;
  tables: IdempotencyTables;
  /** How long a key and its answer are kept. */
  ttlMs: number;
  /** How long a request holds its key before a retry may assume its process died. */
  lockMs: number;
  log: Logger;
  /** How often, at most, a claim also prunes expired keys. Default 10 minutes. */
  pruneEveryMs?: number;
}

const interval = (ms: number) => sql`now() + ${ms} * interval '1 millisecond'`;

/**
 * Keys in a module's `idempotency_keys` table. A claim is one statement: insert, or take over a row that expired
 * or whose holder's lock ran out; anything else is read back and judged against this request's fingerprint.
 */
export function createIdempotencyStore(options: IdempotencyStoreOptions): IdempotencyStore {
  const t = options.tables.idempotencyKeys;
  const where = (r: KeyedRequest) => and(eq(t.scope, r.scope), eq(t.method, r.method), eq(t.path, r.path), eq(t.key, r.key));
  const pruneEveryMs = options.pruneEveryMs ?? 600_000;
  let lastPrune = Date.now();

  const store: IdempotencyStore = {
    lockMs: options.lockMs,
    async claim(request) {
      if (Date.now() - lastPrune > pruneEveryMs) {
        lastPrune = Date.now();
        store.prune().catch((error: unknown) => options.log.warn({ err: error }, 'pruning idempotency keys failed'));
      }
      for (let attempt = 0; attempt < 3; attempt++) {
        const token = randomUUID();
        const fresh = {
          fingerprint: request.fingerprint,
          token,
          state: 'processing' as const,
          lockedUntil: interval(options.lockMs),
          expiresAt: interval(options.ttlMs),
        };
        const taken = await options.db
          .insert(t)
          .values({ ...request, ...fresh })
          .onConflictDoUpdate({
            target: [t.scope, t.method, t.path, t.key],
            set: { ...fresh, responseStatus: null, responseHeaders: null, responseBody: null, createdAt: sql`now()` },
            setWhere: sql`${t.expiresAt} < now() or (${t.state} = 'processing' and ${t.lockedUntil} < now())`,
          })
          .returning({ token: t.token });
        if (taken.length > 0) return { kind: 'claimed', claim: { ...request, token } };
        const [row] = await options.db
          .select({
            fingerprint: t.fingerprint,
            state: t.state,
            lockedUntil: t.lockedUntil,
            status: t.responseStatus,
            headers: t.responseHeaders,
            body: t.responseBody,
          })
          .from(t)
          .where(where(request));
        // Released or pruned in between: claim again.
        if (!row) continue;
        if (row.fingerprint !== request.fingerprint) return { kind: 'mismatch' };
        if (row.state === 'completed') return { kind: 'replay', response: { status: row.status ?? 500, headers: row.headers ?? [], body: row.body ?? '' } };
        if (row.state === 'applied' && row.lockedUntil.getTime() < Date.now()) return { kind: 'outcome-unknown' };
        return { kind: 'in-progress', retryAfterMs: Math.max(0, row.lockedUntil.getTime() - Date.now()) };
      }
      return { kind: 'in-progress', retryAfterMs: options.lockMs };
    },
    async complete(claim, response, executor = options.db) {
      await executor
        .update(t)
        .set({ state: 'completed', responseStatus: response.status, responseHeaders: response.headers, responseBody: response.body })
        .where(and(where(claim), eq(t.token, claim.token)));
    },
    async markApplied(claim, executor) {
      await executor
        .update(t)
        .set({ state: 'applied' })
        .where(and(where(claim), eq(t.token, claim.token)));
    },
    async release(claim) {
      await options.db.delete(t).where(and(where(claim), eq(t.token, claim.token), inArray(t.state, ['processing'])));
    },
    async prune() {
      const gone = await options.db
        .delete(t)
        .where(lt(t.expiresAt, sql`now()`))
        .returning({ key: t.key });
      return gone.length;
    },
  };
  return store;
}
