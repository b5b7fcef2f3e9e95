import process from 'node:process';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { productCreated } from '../../../modules/catalog/index.ts';
import { createBullmqBus, moduleQueueName, type EventRoute } from '../../../platform/events/bullmq-bus.ts';
import { createInProcessBus, eventType, type EventBus } from '../../../platform/events/index.ts';
import type { Logger } from '../../../platform/observability/index.ts';

/** How one process of a conformance test builds its bus. */
export interface BusSetup {
  log: Logger;
  maxAttempts: number;
  /** Keeps one test's queues apart from every other's. */
  namespace: string;
  /** Overrides TEST_REDIS_URL (a private redis-server). */
  redisUrl?: string;
}

/** A bus implementation as the conformance suite sees it. */
export interface BusKind {
  name: 'in-process' | 'bullmq';
  /** Whether events can wait for a consumer in another process (a queue), rather than in the publisher's outbox. */
  queues: boolean;
  create(setup: BusSetup): EventBus;
  /** Makes the bus forget past deliveries, so a re-publish gets through to the consumer's inbox. */
  forget(namespace: string): Promise<void>;
  /** Removes what a test left in the bus. */
  cleanUp(namespace: string, redisUrl?: string): Promise<void>;
}

export const retry = { baseMs: 5, maxMs: 20 };

/** The only consumer in these tests: the probe module's `record` handler of catalog.product-created. */
export const probeRoutes = (type: string): readonly EventRoute[] => (type === eventType(productCreated) ? [{ consumer: 'probe:record', module: 'probe' }] : []);

export const testRedisUrl = process.env.TEST_REDIS_URL;

const inProcess: BusKind = {
  name: 'in-process',
  queues: false,
  create: ({ log, maxAttempts }) => createInProcessBus({ log, maxAttempts, retry }),
  forget: async () => {},
  cleanUp: async () => {},
};

/** Runs `fn` with a queue of the probe module over its own connection, closed afterwards. */
async function withProbeQueue<T>(namespace: string, redisUrl: string, fn: (queue: Queue) => Promise<T>): Promise<T> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  const queue = new Queue(moduleQueueName(namespace, 'probe'), { connection: redis });
  try {
    return await fn(queue);
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

function bullmq(url: string): BusKind {
  return {
    name: 'bullmq',
    queues: true,
    create: ({ log, maxAttempts, namespace, redisUrl }) =>
      createBullmqBus({ redisUrl: redisUrl ?? url, prefix: namespace, log, maxAttempts, retry, routes: probeRoutes }),
    forget: (namespace) => withProbeQueue(namespace, url, async (q) => void (await q.clean(0, 0, 'completed'))),
    cleanUp: (namespace, redisUrl) => withProbeQueue(namespace, redisUrl ?? url, (q) => q.obliterate({ force: true })),
  };
}

/** The buses every conformance scenario runs against: in-process always, BullMQ when TEST_REDIS_URL is set. */
export const busKinds: BusKind[] = [inProcess, ...(testRedisUrl ? [bullmq(testRedisUrl)] : [])];
