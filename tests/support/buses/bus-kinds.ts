import process from 'node:process';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createBullmqBus, type BullmqBusOptions } from '../../../platform/events/bullmq-bus.ts';
import {
  createInProcessBus,
  eventJobId,
  partitionQueueName,
  queuePrefix,
  type DeadLetterStore,
  type EventBus,
  type EventEnvelope,
} from '../../../platform/events/index.ts';
import type { Logger } from '../../../platform/observability/index.ts';
import { deleteNamespace } from '../redis-keys.ts';

/** How one process of a conformance test builds its bus. */
export interface BusSetup {
  log: Logger;
  maxAttempts: number;
  /** Keeps one test's queues apart from every other's. */
  namespace: string;
  /** The consuming module's dead letters (the probe's). */
  deadLetters: DeadLetterStore;
  /** Overrides TEST_REDIS_URL (a private redis-server). */
  redisUrl?: string;
  /** Overrides of the BullMQ bus's settings. */
  bullmq?: Partial<BullmqBusOptions>;
  handlerTimeoutMs?: number;
}

/** A bus implementation as the conformance suite sees it. */
export interface BusKind {
  name: 'in-process' | 'bullmq';
  /** Whether events can wait for a consumer in another process (a queue), rather than in the publisher's outbox. */
  queues: boolean;
  create(setup: BusSetup): EventBus;
  /** Makes the bus forget past deliveries, so a re-publish gets through to the consumer's inbox. */
  forget(namespace: string): Promise<void>;
  /** Makes the broker lose every trace of these events' deliveries, as a Redis restarted without its data would. */
  lose(namespace: string, eventIds: readonly string[]): Promise<void>;
  /** Removes what a test left in the bus. */
  cleanUp(namespace: string, redisUrl?: string): Promise<void>;
}

export const retry = { baseMs: 5, maxMs: 20 };
/** Partitions of the probe module's queue in these tests. */
export const testPartitions = 4;
const inboxRetentionMs = 14 * 24 * 60 * 60 * 1000;

export const testRedisUrl = process.env.TEST_REDIS_URL;

const inProcess: BusKind = {
  name: 'in-process',
  queues: false,
  create: ({ log, maxAttempts, handlerTimeoutMs }) =>
    createInProcessBus({ log, maxAttempts, retry, handlerTimeoutMs: handlerTimeoutMs ?? 10_000, inboxRetentionMs }),
  forget: async () => {},
  lose: async () => {},
  cleanUp: async () => {},
};

/** The settings of a BullMQ bus in a test: short timings, `namespace` as the Redis prefix. */
export function testBullmqOptions(setup: BusSetup, url: string): BullmqBusOptions {
  return {
    redisUrl: setup.redisUrl ?? url,
    prefix: setup.namespace,
    log: setup.log,
    maxAttempts: setup.maxAttempts,
    retry,
    handlerTimeoutMs: setup.handlerTimeoutMs ?? 10_000,
    partitions: testPartitions,
    partitionLeaseMs: 1500,
    maxStalls: 2,
    unroutedGraceMs: 60_000,
    jobRetentionMs: 24 * 60 * 60 * 1000,
    subscriptionRefreshMs: 100,
    inboxRetentionMs,
    deadLetters: (module) => (module === 'probe' ? setup.deadLetters : undefined),
    ...setup.bullmq,
  };
}

/** Runs `fn` with every partition queue of `module` over its own connection, closed afterwards. */
export async function withModuleQueues<T>(namespace: string, redisUrl: string, module: string, fn: (queues: Queue[]) => Promise<T>): Promise<T> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  const queues = Array.from(
    { length: testPartitions },
    (_, p) => new Queue(partitionQueueName(module, p), { connection: redis, prefix: queuePrefix(namespace) }),
  );
  try {
    return await fn(queues);
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    redis.disconnect();
  }
}

function bullmq(url: string): BusKind {
  return {
    name: 'bullmq',
    queues: true,
    create: (setup) => createBullmqBus(testBullmqOptions(setup, url)),
    forget: (namespace) => withModuleQueues(namespace, url, 'probe', async (queues) => void (await Promise.all(queues.map((q) => q.clean(0, 0, 'completed'))))),
    lose: (namespace, eventIds) =>
      withModuleQueues(namespace, url, 'probe', async (queues) => {
        for (const q of queues) for (const id of eventIds) await q.remove(eventJobId(id, 'probe:record', 1));
      }),
    cleanUp: (namespace, redisUrl) => deleteNamespace(redisUrl ?? url, namespace),
  };
}

/** The buses every conformance scenario runs against: in-process always, BullMQ when TEST_REDIS_URL is set. */
export const busKinds: BusKind[] = [inProcess, ...(testRedisUrl ? [bullmq(testRedisUrl)] : [])];

/**
 * An in-process bus that tells `onPublish` of every envelope handed to it, and holds those whose SKU starts with
 * `STUCK` while `gate.promise` is set (a dispatch that hangs, for the relay tests).
 */
export function gatedBus(log: Logger, gate: { promise: Promise<void> | undefined }, onPublish: (envelope: EventEnvelope) => void): EventBus {
  const inner = createInProcessBus({ log, maxAttempts: 3, retry, handlerTimeoutMs: 10_000, inboxRetentionMs: 86_400_000 });
  return {
    ...inner,
    async publish(envelope, options) {
      onPublish(envelope);
      if (gate.promise && (envelope.payload as { sku: string }).sku.startsWith('STUCK')) await gate.promise;
      return inner.publish(envelope, options);
    },
  };
}
