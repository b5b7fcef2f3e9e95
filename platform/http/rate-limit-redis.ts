import RateLimiterRedis from 'rate-limiter-flexible/lib/RateLimiterRedis.js';
import { connectRedis, firstReady, redisTls } from '../events/redis-connection.ts';
import type { Logger } from '../observability/index.ts';
import { limiterStore } from './rate-limit-memory.ts';
import type { RateLimitStore } from './rate-limit-store.ts';

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
    'redis',
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
  );
}
