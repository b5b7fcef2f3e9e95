import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import RateLimiterMemory from 'rate-limiter-flexible/lib/RateLimiterMemory.js';
import RateLimiterRes from 'rate-limiter-flexible/lib/RateLimiterRes.js';
import type { RateLimitPolicy, RateLimitState, RateLimitStore } from './rate-limit-store.ts';

/**
 * A store over one rate-limiter-flexible limiter per policy, made on first use by `limiterOf`. A refusal comes back
 * as a state; anything else the limiter rejects with (a store error) is passed on.
 */
export function limiterStore(
  kind: RateLimitStore['kind'],
  limiterOf: (policy: RateLimitPolicy) => RateLimiterAbstract,
  close: () => Promise<void>,
): RateLimitStore {
  const limiters = new Map<string, RateLimiterAbstract>();
  const state = (res: RateLimiterRes, allowed: boolean): RateLimitState => ({ allowed, remaining: res.remainingPoints, resetMs: res.msBeforeNext });
  return {
    kind,
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
    close,
  };
}

/** Budgets in this process's memory: each instance counts on its own. */
export function memoryRateLimitStore(): RateLimitStore {
  return limiterStore(
    'memory',
    (p) => new RateLimiterMemory({ keyPrefix: p.name, points: p.points, duration: p.durationS }),
    async () => {},
  );
}
