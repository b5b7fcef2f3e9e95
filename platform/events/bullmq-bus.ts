import { Queue, WaitingError, Worker, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../observability/index.ts';
import type { BackoffOptions } from './backoff.ts';
import type { Consumer, EventBus } from './bus.ts';
import { eventType } from './define-event.ts';
import { deliverWithRetries, type DeliveryOptions } from './delivery.ts';
import { envelopeSchema, type EventEnvelope } from './envelope.ts';

/** One consumer of an event type somewhere in the system, and the module (hence the queue) it belongs to. */
export interface EventRoute {
  consumer: string;
  module: string;
}

export interface BullmqBusOptions {
  redisUrl: string;
  /** Namespaces the queues (`<prefix>.<module>`), so several systems or test runs can share one Redis. */
  prefix?: string;
  log: Logger;
  maxAttempts: number;
  retry: BackoffOptions;
  /** Every consumer of an event type (`name@vN`) in the whole system, including those running in other processes. */
  routes: (eventType: string) => readonly EventRoute[];
}

/** What a job carries: the target consumer and the envelope, as published. */
export interface EventJobData {
  consumer: string;
  envelope: EventEnvelope;
}

// Completed jobs are kept so that a relay re-publishing after a crash hits an existing job id and adds nothing.
const keepCompleted = { age: 24 * 60 * 60, count: 100_000 };
const keepFailed = { age: 7 * 24 * 60 * 60 };
type ConnectionTuning = Pick<RedisOptions, 'enableOfflineQueue' | 'maxRetriesPerRequest' | 'connectTimeout' | 'commandTimeout'>;
const reconnect = (times: number) => Math.min(50 * 2 ** times, 2000);

/** The queue of a consuming module; BullMQ queue names must not contain ':'. */
export function moduleQueueName(prefix: string, module: string): string {
  return `${prefix}.${module}`;
}

/** One job per event and consumer: the same event published twice maps to the same job. BullMQ ids must not contain ':' nor be integers. */
export function eventJobId(eventId: string, consumer: string): string {
  return `${eventId}.${consumer.replaceAll(':', '.')}`;
}

/**
 * The bus across processes: one BullMQ queue per consuming module, so a slow or absent module holds back no other.
 * `publish` adds one job per consumer (from `routes`, wherever it runs) and resolves once Redis has them, so the relay
 * marks the outbox row dispatched only then; with Redis down it rejects at once and the row stays in the outbox.
 * Each module with consumers in this process gets one worker of concurrency 1, so a queue is handled in the order the
 * relay published it (per aggregate key); retries run inside the job, through {@link deliverWithRetries}. That order
 * holds while a module's consumers run in one process: two processes hosting one module share its queue.
 *
 * @example
 * const bus = createBullmqBus({ redisUrl, log, maxAttempts: 5, retry, routes: (type) => consumersByType.get(type) ?? [] });
 */
export function createBullmqBus(options: BullmqBusOptions): EventBus {
  const prefix = options.prefix ?? 'cleave';
  const log = options.log;
  let producer: Redis | undefined;
  let workerRedis: Redis | undefined;
  const queues = new Map<string, Queue<EventJobData>>();
  const workers = new Map<string, Worker<EventJobData>>();
  const local = new Map<string, Map<string, Consumer>>();
  let closing = false;
  let closed: Promise<void> | undefined;
  const delivery: DeliveryOptions = { log, maxAttempts: options.maxAttempts, retry: options.retry, closing: () => closing };

  let connectedOnce = false;
  /** The publishing connection, opened on first use. It must fail fast, not wait in an offline queue. */
  async function readyProducer(): Promise<Redis> {
    if (!producer) {
      producer = connect(
        options.redisUrl,
        { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 5000 },
        log,
        'producer',
        () => closing,
      );
      producer.once('ready', () => (connectedOnce = true));
    }
    // A new connection gets a moment to come up; after that, publishing without Redis fails at once.
    if (producer.status !== 'ready' && !connectedOnce) await firstReady(producer, 1000);
    if (producer.status !== 'ready') throw new Error(`Redis is not available (${producer.status}); the event stays in the outbox.`);
    return producer;
  }

  function queueOf(module: string, connection: Redis): Queue<EventJobData> {
    let queue = queues.get(module);
    if (!queue) {
      queue = new Queue<EventJobData>(moduleQueueName(prefix, module), {
        connection,
        defaultJobOptions: { removeOnComplete: keepCompleted, removeOnFail: keepFailed },
      });
      queue.on('error', (err) => log.debug({ err, module }, 'event queue error'));
      queues.set(module, queue);
    }
    return queue;
  }

  async function handleJob(module: string, job: Job<EventJobData>, token: string | undefined): Promise<void> {
    const consumer = local.get(module)?.get(job.data.consumer);
    const valid = envelopeSchema.safeParse(job.data.envelope).success;
    if (!consumer || !valid) {
      const reason = consumer ? `job ${job.id} carries no valid envelope` : `consumer ${job.data.consumer} is not subscribed in this process`;
      log.error({ jobId: job.id, queue: job.queueName, consumer: job.data.consumer }, `event job failed: ${reason}`);
      throw new Error(`Cannot deliver event job ${job.id}: ${reason}.`);
    }
    const { envelope } = job.data;
    try {
      await deliverWithRetries(consumer, envelope, delivery);
    } catch (error) {
      // Shutting down, or the dead letter could not be written: put the job back at the head of its queue (not among
      // the failed), so it is handled again, still before the events published after it.
      if (!closing) {
        log.error({ err: error, eventId: envelope.id, consumer: consumer.id }, 'event delivery could not finish; trying again');
        await new Promise((r) => setTimeout(r, options.retry.maxMs));
      }
      await job.moveToWait(token);
      throw new WaitingError();
    }
  }

  function startWorker(module: string): void {
    // Workers wait out an outage (BullMQ requires maxRetriesPerRequest: null for them) and carry on.
    workerRedis ??= connect(options.redisUrl, { maxRetriesPerRequest: null }, log, 'worker', () => closing);
    const worker = new Worker<EventJobData>(moduleQueueName(prefix, module), (job, token) => handleJob(module, job, token), {
      connection: workerRedis,
      concurrency: 1,
      autorun: false,
    });
    worker.on('error', (err) => log.debug({ err, module }, 'event worker error'));
    workers.set(module, worker);
    // Started on the next turn, so that consumers subscribed together are all known before the first job arrives.
    setImmediate(() => {
      if (!closing) worker.run().catch((err: unknown) => log.error({ err, module }, 'event worker stopped'));
    });
  }

  return {
    subscribe(consumer) {
      if (closing) throw new Error('The event bus is closed.');
      const consumers = local.get(consumer.module) ?? new Map<string, Consumer>();
      if (consumers.has(consumer.id)) throw new Error(`Consumer ${consumer.id} is already subscribed to ${consumer.eventType}.`);
      consumers.set(consumer.id, consumer);
      local.set(consumer.module, consumers);
      if (!workers.has(consumer.module)) startWorker(consumer.module);
    },
    async publish(envelope) {
      if (closing) throw new Error('The event bus is closed.');
      const connection = await readyProducer();
      const byModule = new Map<string, string[]>();
      for (const route of options.routes(eventType(envelope))) byModule.set(route.module, [...(byModule.get(route.module) ?? []), route.consumer]);
      await Promise.all(
        [...byModule].map(async ([module, consumers]) => {
          const queue = queueOf(module, connection);
          try {
            await queue.addBulk(
              consumers.map((consumer) => ({ name: envelope.name, data: { consumer, envelope }, opts: { jobId: eventJobId(envelope.id, consumer) } })),
            );
          } catch (error) {
            // A queue whose first connection attempt failed stays broken: make a fresh one next time.
            queues.delete(module);
            void queue.close().catch(() => {});
            throw error;
          }
        }),
      );
    },
    close() {
      closed ??= (async () => {
        closing = true;
        // A worker finishes its active job first; a delivery that fails meanwhile goes back to its queue. Without
        // Redis that wait would never end (BullMQ waits for a reconnecting client to end): close at once instead, and
        // Redis finds the interrupted job stalled and hands it out again.
        const force = workerRedis?.status !== 'ready';
        await Promise.allSettled([...workers.values()].map((w) => w.close(force)));
        await Promise.allSettled([...queues.values()].map((q) => q.close()));
        for (const redis of [producer, workerRedis]) redis?.disconnect();
      })();
      return closed;
    },
  };
}

function firstReady(redis: Redis, timeoutMs: number): Promise<void> {
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

/** An ioredis client that logs when it loses and regains Redis, not every failed reconnect. */
function connect(url: string, extra: ConnectionTuning, log: Logger, role: string, stopped: () => boolean): Redis {
  // Once the bus is closing, a lost connection ends instead of reconnecting (BullMQ's duplicates share this).
  const redis = new Redis(url, { retryStrategy: (times) => (stopped() ? null : reconnect(times)), ...extra });
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
