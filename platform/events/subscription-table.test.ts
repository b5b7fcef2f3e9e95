import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisUrl } from '../../tests/support/databases.ts';
import { testLogger } from '../../tests/support/test-host.ts';
import { createSubscriptionTable, type SubscriptionEntry } from './subscription-table.ts';

const entry = (consumer: string): SubscriptionEntry => ({
  event: 'catalog.product-created',
  version: 1,
  consumer,
  module: consumer.split(':')[0] as string,
  partitions: 1,
  inboxRetentionMs: 60_000,
  registeredAt: new Date().toISOString(),
});

describe.skipIf(!redisUrl)('the subscription table on Redis', () => {
  const connections: Redis[] = [];
  const connect = () => {
    const redis = new Redis(redisUrl as string, { lazyConnect: false });
    connections.push(redis);
    return redis;
  };
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.quit()));
  });

  it('a publisher idle for longer than refreshMs routes to a subscription registered meanwhile, on its first publish', async () => {
    const prefix = `test-subs-${randomUUID()}`;
    const refreshMs = 100;
    const publisher = createSubscriptionTable({ redis: connect(), prefix, log: testLogger([]), refreshMs });
    const consumerHost = createSubscriptionTable({ redis: connect(), prefix, log: testLogger([]), refreshMs });
    await consumerHost.register([entry('ordering:note-product')]);
    expect((await publisher.routes('catalog.product-created', 1)).map((e) => e.consumer)).toEqual(['ordering:note-product']);
    // A new consumer registers (another process) while the publisher publishes nothing; then it publishes once.
    await consumerHost.register([entry('inventory:create-stock-item')]);
    // Only a lower bound: the publisher's table is older than refreshMs by now, however slow this machine is.
    await new Promise((resolve) => setTimeout(resolve, 3 * refreshMs));
    const routed = await publisher.routes('catalog.product-created', 1);
    expect(routed.map((e) => e.consumer).sort()).toEqual(['inventory:create-stock-item', 'ordering:note-product']);
    await connections[0]?.del(`${prefix}:subscriptions`, `${prefix}:subscriptions:epoch`);
  });
});
