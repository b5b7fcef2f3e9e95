import { randomBytes } from 'node:crypto';
import process from 'node:process';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisPrefix, testRun } from './redis-keys.ts';
import { setup } from './redis-run.ts';

const redisUrl = process.env.TEST_REDIS_URL;

describe('Redis key prefixes of a test run', () => {
  it('carry the run’s name, which vitest’s global setup gave this worker', () => {
    expect(process.env.CLEAVE_TEST_RUN).toMatch(/^[\da-f]{8}$/);
    expect(testRun()).toBe(process.env.CLEAVE_TEST_RUN);
    const [a, b] = [redisPrefix(), redisPrefix()];
    expect(a).toMatch(new RegExp(`^test-${testRun()}-[\\da-f]{10}$`));
    expect(b).not.toBe(a);
  });
});

describe.skipIf(!redisUrl)('the end of a test run (TEST_REDIS_URL)', () => {
  const redis = new Redis(redisUrl ?? '', { lazyConnect: true });
  afterAll(() => redis.disconnect());

  /** `setup` as vitest calls it, for a run named `run` (this worker's own run is left alone). */
  function teardownOf(run: string): () => Promise<void> {
    const own = process.env.CLEAVE_TEST_RUN;
    process.env.CLEAVE_TEST_RUN = run;
    try {
      return setup();
    } finally {
      process.env.CLEAVE_TEST_RUN = own;
    }
  }

  it('deletes every key the run’s prefixes made, and nobody else’s', async () => {
    const [run, other] = [randomBytes(4).toString('hex'), randomBytes(4).toString('hex')];
    const ours = [
      `test-${run}-aaaaaaaaaa:registry:inventory`,
      `chaos-test-${run}-bbbbbbbbbb:q:inventory.0:id`,
      `cleave-test-${run}-cccccccccc:q:orders.1:meta`,
    ];
    const theirs = [`test-${other}-dddddddddd:registry:inventory`, `cleave-${other}:q:inventory.0:id`];
    // Many keys, so the deletion has to follow SCAN's cursor past its first batch.
    const many = Array.from({ length: 2500 }, (_, i) => `test-${run}-eeeeeeeeee:q:orders.0:${i}`);
    await redis.connect();
    await redis.mset(...[...ours, ...theirs, ...many].flatMap((key) => [key, '1']));
    try {
      await teardownOf(run)();
      expect(await redis.exists(...ours, ...many)).toBe(0);
      expect(await redis.exists(...theirs)).toBe(theirs.length);
    } finally {
      await redis.del(...ours, ...theirs, ...many);
    }
  });
});
