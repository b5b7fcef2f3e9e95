import { randomBytes } from 'node:crypto';
import process from 'node:process';
import { Redis } from 'ioredis';

/**
 * This test run's name in Redis: `redis-run.ts` (a vitest global setup) sets it for the run's workers and the hosts
 * they start; a process outside vitest (a bench reusing a test topology) draws its own.
 */
export function testRun(): string {
  process.env.CLEAVE_TEST_RUN ??= randomBytes(4).toString('hex');
  return process.env.CLEAVE_TEST_RUN;
}

/**
 * A unique Redis key prefix, `test-<run>-<random>`, so tests sharing one Redis never see each other's queues or
 * registry, and the end of the run can delete whatever its tests left there (`*test-<run>-*`).
 */
export function redisPrefix(): string {
  return `test-${testRun()}-${randomBytes(5).toString('hex')}`;
}

/** The pattern of every key this run's prefixes make, `cleave-test-<run>-…` and `chaos-test-<run>-…` included. */
export function runKeys(run: string): string {
  return `*test-${run}-*`;
}

/** Deletes every key matching `pattern` (SCAN and UNLINK, a thousand at a time); returns how many it deleted. */
export async function deleteKeys(redisUrl: string, pattern: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key a test wrote under `namespace` (its Redis prefix). */
export async function deleteNamespace(redisUrl: string, namespace: string): Promise<void> {
  await deleteKeys(redisUrl, `${namespace}:*`);
}
