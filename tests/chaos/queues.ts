import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { partitionQueueName, queuePrefix } from '../../platform/events/index.ts';

/** The partition queues of the consuming modules of a run, as BullMQ sees them. */
export interface QueueScope {
  redisUrl: string;
  /** The run's `REDIS_PREFIX`. */
  prefix: string;
  partitions: number;
}

/** Runs `fn` with every partition queue of `module`, over a connection of its own that fails fast and is closed after. */
export async function withPartitionQueues<T>(scope: QueueScope, module: string, fn: (queues: Queue[]) => Promise<T>): Promise<T> {
  const redis = new Redis(scope.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: () => null, lazyConnect: true });
  redis.on('error', () => {});
  await redis.connect();
  const queues = Array.from(
    { length: scope.partitions },
    (_, p) => new Queue(partitionQueueName(module, p), { connection: redis, prefix: queuePrefix(scope.prefix) }),
  );
  try {
    return await fn(queues);
  } finally {
    await Promise.allSettled(queues.map((q) => q.close()));
    redis.disconnect();
  }
}

/** Jobs of a module not finished yet, and those BullMQ failed (which the bus should have turned into dead letters). */
export interface QueueCounts {
  unfinished: number;
  failed: number;
}

export function queueCounts(scope: QueueScope, module: string): Promise<QueueCounts> {
  return withPartitionQueues(scope, module, async (queues) => {
    const counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed')));
    return counts.reduce<QueueCounts>(
      (sum, c) => ({
        unfinished: sum.unfinished + (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) + (c['waiting-children'] ?? 0),
        failed: sum.failed + (c.failed ?? 0),
      }),
      { unfinished: 0, failed: 0 },
    );
  });
}
