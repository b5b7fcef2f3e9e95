import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import RateLimiterRedis from 'rate-limiter-flexible/lib/RateLimiterRedis.js';
import RateLimiterRes from 'rate-limiter-flexible/lib/RateLimiterRes.js';
import { connectRedis, firstReady, redisTls } from '../events/redis-connection.ts';
import type { Logger } from '../observability/index.ts';
import type { RateLimitPolicy, RateLimitState, RateLimitStore } from './rate-limit-store.ts';

export interface RedisRateLimitOptions {
  url: string;
  /** The CA a `rediss://` server is verified against. */
  ca?: string | undefined;
  /** Keys are `<prefix>:ratelimit:<policy>:<key>`, so instances on the same Redis and prefix share each budget. */
  prefix: string;
  log: Logger;
  /** How long one count may take before it counts as a store failure. */
  commandTimeoutMs?: number;
}

/**
 * Budgets in Redis, shared by every instance. A count never waits for a lost connection: with no offline queue and
 * no retries it fails at once, and the middleware then fails open or closed by route.
 */
export async function redisRateLimitStore(options: RedisRateLimitOptions): Promise<RateLimitStore> {
  let stopped = false;
  const redis = connectRedis(
    options.url,
    { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: options.commandTimeoutMs ?? 1000, ...redisTls(options.ca) },
    options.log,
    'rate-limit',
    () => stopped,
  );
  // Requests in the first moments after start-up would otherwise all meet a connection still opening.
  await firstReady(redis, 2000);
  return limiterStore(
    (p) =>
      new RateLimiterRedis({
        storeClient: redis,
        rejectIfRedisNotReady: true,
        keyPrefix: `${options.prefix}:ratelimit:${p.name}`,
        points: p.points,
        duration: p.durationS,
      }),
    async () => {
      stopped = true;
      redis.disconnect();
    },
    async () => {
      await redis.ping();
    },
  );
}

/**
 * A store over one rate-limiter-flexible limiter per policy, made on first use by `limiterOf`. A refusal comes back
 * as a state; anything else the limiter rejects with (a store error) is passed on.
 */
function limiterStore(limiterOf: (policy: RateLimitPolicy) => RateLimiterAbstract, close: () => Promise<void>, ping: () => Promise<void>): RateLimitStore {
  const limiters = new Map<string, RateLimiterAbstract>();
  const state = (res: RateLimiterRes, allowed: boolean): RateLimitState => ({ allowed, remaining: res.remainingPoints, resetMs: res.msBeforeNext });
  return {
    kind: 'redis',
    async consume(policy, key) {
      let limiter = limiters.get(policy.name);
      if (!limiter) limiters.set(policy.name, (limiter = limiterOf(policy)));
      try {
        return state(await limiter.consume(key), true);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return state(rejection, false);
        throw rejection;
      }
    },
    ping,
    close,
  };
}
