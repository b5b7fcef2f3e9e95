import MemoryStorage from 'rate-limiter-flexible/lib/component/MemoryStorage/MemoryStorage.js';
import type { RateLimitPolicy, RateLimitState, RateLimitStore } from './rate-limit-store.ts';

/**
 * Budgets in this process's memory: each instance counts on its own. rate-limiter-flexible's `RateLimiterMemory`
 * counts in its `MemoryStorage` (a fixed window per key, the key dropped when its window ends) and only wraps that
 * synchronous count in a promise; this store uses the same storage and answers at once (`consumeNow`), with the
 * same figures `RateLimiterMemory.consume` gives (points consumed beyond the budget refuse, `remaining` never below 0).
 */
export function memoryRateLimitStore(): RateLimitStore {
  const storages = new Map<string, MemoryStorage>();
  const consumeNow = (policy: RateLimitPolicy, key: string): RateLimitState => {
    let storage = storages.get(policy.name);
    if (!storage) storages.set(policy.name, (storage = new MemoryStorage()));
    const counted = storage.incrby(key, 1, policy.durationS);
    return { allowed: counted.consumedPoints <= policy.points, remaining: Math.max(policy.points - counted.consumedPoints, 0), resetMs: counted.msBeforeNext };
  };
  return {
    kind: 'memory',
    consumeNow,
    consume: async (policy, key) => consumeNow(policy, key),
    close: async () => {
      storages.clear();
    },
  };
}
