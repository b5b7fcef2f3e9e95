/**
 * What rate limiting counts with: a budget of points per key and policy, in memory or in Redis. The middleware
 * (`rate-limit.ts`) sees only this interface; the stores load rate-limiter-flexible (and for Redis, ioredis) when
 * a host opens them, so a process with rate limiting off never loads either.
 */

/** A budget: `points` requests in each window of `durationS` seconds, named in the `RateLimit` headers. */
export interface RateLimitPolicy {
  name: string;
  points: number;
  durationS: number;
}

/** After taking a point: whether the request may go on, what is left, and when the window ends. */
export interface RateLimitState {
  allowed: boolean;
  remaining: number;
  resetMs: number;
}

export interface RateLimitStore {
  /** `memory` (this process only) or `redis` (shared by every instance on the same Redis and prefix). */
  readonly kind: 'memory' | 'redis';
  /** Takes one point of `policy`'s budget for `key`; rejects only when the store itself fails. */
  consume(policy: RateLimitPolicy, key: string): Promise<RateLimitState>;
  /**
   * The same as `consume`, answered at once: only a store that counts in this process has it. The middleware takes
   * it when present, so a request counted in memory makes no promise (each costs AsyncLocalStorage's hooks on Node 20).
   */
  consumeNow?(policy: RateLimitPolicy, key: string): RateLimitState;
  /** A store shared through Redis: resolves when Redis answers, rejects at once while its connection is down. */
  ping?(): Promise<void>;
  close(): Promise<void>;
}
