import { Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/index.ts';
import { sinkFailedJob, type EventJobData } from './bullmq-jobs.ts';
import type { DeadLetterStore } from './dead-letters.ts';
import { partitionQueueName } from './partitions.ts';
import { connectRedis, redisTls } from './redis-connection.ts';

export interface PartitionWorkersOptions {
  redisUrl: string;
  redisCa?: string | undefined;
  /** BullMQ's key prefix (`<prefix>:q`). */
  bullPrefix: string;
  log: Logger;
  /** How long a worker holds a job's lock without renewal; a graceful stop waits no longer than this for the job in hand. */
  lockMs: number;
  stalledIntervalMs?: number | undefined;
  handleJob: (module: string, job: Job<EventJobData>, token: string | undefined) => Promise<unknown>;
  deadLetters: (module: string) => DeadLetterStore | undefined;
  /** The queue of a partition, for the sweep of failed jobs. */
  queue: (name: string) => Queue<EventJobData>;
  closing: () => boolean;
}

/** The BullMQ workers of the partitions this replica owns: one per partition, one job at a time, on one shared connection. */
export interface PartitionWorkers {
  start(module: string, partition: number): void;
  stop(module: string, partition: number): Promise<void>;
  /** Drops the workers' connection (after every worker stopped). */
  disconnect(): void;
}

/**
 * Starts and stops the worker of a partition as ownership moves (see `ownPartitions`). A job that ended in BullMQ's
 * failed set is turned into a dead letter, also those that failed while no worker of this process watched.
 */
export function createPartitionWorkers(options: PartitionWorkersOptions): PartitionWorkers {
  const { log, lockMs } = options;
  const workers = new Map<string, Worker<EventJobData>>();
  let redis: Redis | undefined;

  const sink = (module: string, job: Job<EventJobData>, reason: string) => sinkFailedJob(job, reason, options.deadLetters(module), log);

  return {
    start(module, p) {
      redis ??= connectRedis(options.redisUrl, { maxRetriesPerRequest: null, ...redisTls(options.redisCa) }, log, 'worker', options.closing);
      const connection = redis;
      const name = partitionQueueName(module, p);
      const worker = new Worker<EventJobData>(name, (job, token) => options.handleJob(module, job, token), {
        connection,
        prefix: options.bullPrefix,
        concurrency: 1,
        autorun: false,
        lockDuration: lockMs,
        stalledInterval: options.stalledIntervalMs ?? Math.max(1000, Math.floor(lockMs / 3)),
        // Stalls are counted by the job handler, which dead-letters; BullMQ's own limit would fail jobs silently.
        maxStalledCount: 1_000_000,
      });
      worker.on('error', (err) => {
        // While Redis is away every reconnect attempt fails; the connection says so once, so only other errors count.
        if (connection.status === 'ready') log.error({ err, module, queue: name }, 'event worker error');
      });
      worker.on('failed', (job, err) => {
        if (job) void sink(module, job, err.message).catch((e: unknown) => log.error({ err: e }, 'dead-lettering a failed job failed'));
      });
      workers.set(name, worker);
      worker.run().catch((err: unknown) => log.error({ err, module, queue: name }, 'event worker stopped'));
      // Jobs that ended in BullMQ's failed set while no worker of this process watched (e.g. it crashed in between).
      void options
        .queue(name)
        .getFailed()
        .then((jobs) => Promise.all(jobs.map((job) => sink(module, job, job.failedReason || 'failed in BullMQ'))))
        .catch((err: unknown) => log.warn({ err, queue: name }, 'could not sweep failed event jobs'));
    },
    async stop(module, p) {
      const name = partitionQueueName(module, p);
      const worker = workers.get(name);
      workers.delete(name);
      if (!worker) return;
      // Without Redis a graceful close would wait forever: close at once, and the job in hand is found stalled later.
      // A graceful close waits for the job in hand, but never longer than that job's lock could last.
      const graceful = worker.close(redis?.status !== 'ready');
      const waited = await Promise.race([graceful.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), lockMs).unref?.())]);
      if (!waited) {
        log.warn({ module, queue: name }, 'event worker did not finish its job in time; closing it (the job is handed out again)');
        await worker.close(true);
      }
    },
    disconnect() {
      redis?.disconnect();
    },
  };
}
