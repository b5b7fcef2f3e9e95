import type { Config } from '../config/index.ts';
import type { RateLimitStore } from '../http/index.ts';
import type { Logger } from '../observability/index.ts';

/** Small pieces of host assembly kept out of create-host.ts: the rate-limit store and the module a path belongs to. */

/** Budgets in Redis when it is configured (shared by every instance), else in this process's memory. */
export async function openRateLimitStore(config: Config, logger: Logger): Promise<RateLimitStore> {
  // rate-limiter-flexible (and ioredis) load only when rate limiting is on, like the bus's Redis pieces.
  if (!config.redis.url) return (await import('../http/rate-limit-memory.ts')).memoryRateLimitStore();
  const { redisRateLimitStore } = await import('../http/rate-limit-redis.ts');
  return redisRateLimitStore({ url: config.redis.url, ca: config.tls.redisCa, prefix: config.redis.prefix, log: logger.child({ component: 'rate-limit' }) });
}

/** The module whose prefix `path` starts with, hosted here or elsewhere; `undefined` for the platform's own paths. */
export function moduleOfPath(path: string, local: ReadonlySet<string>, remote: ReadonlyMap<string, string>): string | undefined {
  const end = path.indexOf('/', 1);
  const first = path.slice(1, end === -1 ? undefined : end);
  return first && (local.has(first) || remote.has(first)) ? first : undefined;
}
