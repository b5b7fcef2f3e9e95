/**
 * @module platform/idempotency
 * `Idempotency-Key` for every unsafe operation of a module: keys and their answers in the module's own schema,
 * stored in the same transaction as the request's effect. Not for deduplicating events; that is the inbox.
 */
export { idempotencyTables } from './tables.ts';
export type { IdempotencyTables, StoredResponse } from './tables.ts';
export { createIdempotencyStore } from './store.ts';
export type { IdempotencyStore, IdempotencyStoreOptions, Claim, ClaimResult, KeyedRequest } from './store.ts';
export { createIdempotencyGate, keyScope, replayedHeader, requestFingerprint } from './exchange.ts';
export type { IdempotencyGate, KeyedResult, AnswerShape } from './exchange.ts';
export { idempotency, mountIdempotency } from './middleware.ts';
export { moduleTransaction, scopedDb, commitBeforeCall } from './request-scope.ts';
export type { KeyedScope, HeldTransaction, TransactionHooks } from './request-scope.ts';
