import process from 'node:process';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { redisPrefix } from '../../tests/support/redis-keys.ts';
import { eventually, testLogger } from '../../tests/support/test-host.ts';
import { createRolloutStore, type RolloutStore } from './rollout-store.ts';

const redisUrl = process.env.TEST_REDIS_URL;

describe.skipIf(!redisUrl)('rollout settings shared through Redis', () => {
  const open: RolloutStore[] = [];
  const prefix = `${redisPrefix()}:rollouts`;
  // A refresh period no test waits for: a replica can only learn of a change from the change notice.
  const store = (refreshMs = 600_000) => {
    const s = createRolloutStore({ redisUrl: redisUrl as string, prefix, log: testLogger(), refreshMs });
    open.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('starts at weight 0 and any colour, and a replica applies a change from its notice', async () => {
    const [a, b] = [store(), store()];
    await Promise.all([a.refresh(), b.refresh()]);
    expect(b.get('inventory')).toMatchObject({ weight: 0, sticky: false, colour: null });
    await a.write('inventory', { weight: 10, sticky: true, colour: null });
    expect(a.get('inventory')).toMatchObject({ weight: 10, sticky: true });
    await eventually(() => expect(b.get('inventory')).toMatchObject({ weight: 10, sticky: true }));
    await b.write('inventory', { weight: 50, sticky: false, colour: 'green' });
    await eventually(() => expect(a.get('inventory')).toMatchObject({ weight: 50, colour: 'green' }));
    expect(a.get('catalog').weight).toBe(0);
  });

  it('a replica started later reads the current setting before it serves', async () => {
    await store().write('inventory', { weight: 100, sticky: false, colour: null });
    const late = store();
    await late.refresh();
    expect(late.get('inventory').weight).toBe(100);
  });

  it('a change made after Redis lost its data is applied, though every replica holds a later revision than Redis counts from', async () => {
    const [a, b] = [store(), store()];
    await Promise.all([a.refresh(), b.refresh()]);
    for (const weight of [50, 100]) await a.write('inventory', { weight, sticky: false, colour: null });
    await eventually(() => expect(b.get('inventory').weight).toBe(100));
    // Redis restarted empty: the settings and the revision counter are gone.
    const redis = new Redis(redisUrl as string);
    try {
      await redis.del(prefix, `${prefix}:revision`);
    } finally {
      redis.disconnect();
    }
    await a.write('inventory', { weight: 0, sticky: false, colour: null });
    expect(a.get('inventory').weight).toBe(0);
    await eventually(() => expect(b.get('inventory').weight).toBe(0));
  });

  it('never goes back to an older setting, whatever order the reads answer in', async () => {
    const [a, b] = [store(), store(50)];
    for (let weight = 1; weight <= 40; weight += 1) await a.write('inventory', { weight, sticky: false, colour: null });
    // b refreshes every 50 ms while notices arrive: it ends on the last write and is never seen below an earlier one.
    let last = 0;
    await eventually(() => {
      const seen = b.get('inventory').weight;
      expect(seen).toBeGreaterThanOrEqual(last);
      last = seen;
      expect(seen).toBe(40);
    });
  });
});
