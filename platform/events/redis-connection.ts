import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../observability/index.ts';
import { guardedStreams } from './redis-stream-guard.ts';

type ConnectionTuning = Pick<RedisOptions, 'enableOfflineQueue' | 'maxRetriesPerRequest' | 'connectTimeout' | 'commandTimeout' | 'tls'>;

/**
 * TLS options for a `rediss://` URL verified against `ca` (ioredis turns TLS on from the scheme, with the system's
 * CAs, when this is empty). Explicit options win over the URL's, so the CA is kept.
 */
export function redisTls(ca: string | undefined): Pick<RedisOptions, 'tls'> {
  return ca === undefined ? {} : { tls: { ca } };
}

const reconnect = (times: number) => Math.min(50 * 2 ** times, 2000);

/** An ioredis client that logs when it loses and regains Redis, not every failed reconnect. */
export function connectRedis(url: string, extra: ConnectionTuning, log: Logger, role: string, stopped: () => boolean): Redis {
  // Once the owner is closing, a lost connection ends instead of reconnecting (BullMQ's duplicates share this).
  const redis = new Redis(url, { retryStrategy: (times) => (stopped() ? null : reconnect(times)), ...guardedStreams, ...extra });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ err, role }, 'redis connection lost');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info({ role }, 'redis connection back');
    down = false;
  });
  return redis;
}

/** Resolves when the client is ready, or after `timeoutMs` whatever its state. */
export function firstReady(redis: Redis, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}
