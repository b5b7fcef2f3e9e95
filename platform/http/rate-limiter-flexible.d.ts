// rate-limiter-flexible types only its index, and the index loads all of its ~25 limiters (about 30 ms at start-up);
// the stores import the few files they use, typed here from the index.
declare module 'rate-limiter-flexible/lib/RateLimiterMemory.js' {
  import { RateLimiterMemory } from 'rate-limiter-flexible';
  export = RateLimiterMemory;
}
declare module 'rate-limiter-flexible/lib/RateLimiterRedis.js' {
  import { RateLimiterRedis } from 'rate-limiter-flexible';
  export = RateLimiterRedis;
}
declare module 'rate-limiter-flexible/lib/RateLimiterRes.js' {
  import { RateLimiterRes } from 'rate-limiter-flexible';
  export = RateLimiterRes;
}
declare module 'rate-limiter-flexible/lib/component/MemoryStorage/MemoryStorage.js' {
  import type { RateLimiterRes } from 'rate-limiter-flexible';
  /** The memory limiter's count: a fixed window per key, dropped (by an unref'd timer) when it ends. */
  class MemoryStorage {
    incrby(key: string, value: number, durationSec: number): RateLimiterRes;
  }
  export = MemoryStorage;
}
