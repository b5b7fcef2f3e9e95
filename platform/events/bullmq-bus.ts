import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/index.ts';
import type { BackoffOptions } from './backoff.ts';
import { BusClosedError, type Consumer, type EventBus } from './bus.ts';
import { createJobAdder } from './bullmq-adds.ts';
import { auditDeliveries } from './bullmq-audit.ts';
import { createJobHandler, type EventJobData } from './bullmq-jobs.ts';
import { createPartitionWorkers } from './bullmq-workers.ts';
import type { DeadLetterStore } from './dead-letters.ts';
import type { DeliveryObserver, DeliveryOptions } from './delivery.ts';
import type { EventEnvelope } from './envelope.ts';
import { ownPartitions, type PartitionOwner } from './partition-owner.ts';
import { createPublishReconciler } from './publish-reconciler.ts';
import { eventJobId, partitionOf, partitionQueueName, queuePrefix } from './partitions.ts';
import { connectRedis, firstReady, redisTls } from './redis-connection.ts';
import { createRoutingHold, type AwaitedSubscription } from './routing-hold.ts';
import { createSubscriptionTable, RoutingPausedError, type SubscriptionEntry } from './subscription-table.ts';

export type { EventJobData } from './bullmq-jobs.ts';

export interface BullmqBusOptions {
  redisUrl: string;
  /** The CA a `rediss://` server is verified against. */
  redisCa?: string | undefined;
  /** Every key lives under `<prefix>:` (queues under `<prefix>:q:`), so several systems can share one Redis. */
  prefix?: string;
  log: Logger;
  maxAttempts: number;
  retry: BackoffOptions;
  /** Longest one handler attempt may run; the job lock outlives it by a margin. */
  handlerTimeoutMs: number;
  /** Partitions of the queue of each consuming module hosted here: one active job per partition, system-wide. */
  partitions: number;
  /** Interruptions (the process handling a job died) after which a job is dead-lettered instead of run again. */
  maxStalls: number;
  /** How long a job for a consumer no process here has waits for a replica that has it, before it is dead-lettered. */
  unroutedGraceMs: number;
  /** How long finished jobs are remembered: re-publishing within it adds nothing, and the audit can see them. */
  jobRetentionMs: number;
  /** How often publishers re-read the subscription table. */
  subscriptionRefreshMs: number;
  /** How long the consumers hosted here remember handled events; registered with their subscriptions. */
  inboxRetentionMs: number;
  /** The dead-letter store of each consuming module hosted here. */
  deadLetters: (module: string) => DeadLetterStore | undefined;
  /** How long a replica's ownership of a partition lasts without renewal: a dead replica's partitions move after it. */
  partitionLeaseMs: number;
  /** How often workers look for jobs whose worker died (default: a third of the lock). */
  stalledIntervalMs?: number;
  /** Told of each delivery attempt, retry and dead letter (metrics). */
  observe?: DeliveryObserver | undefined;
  /**
   * Told when event routing resumes after this bus refused events for it (the subscription table is back, or a module
   * events were held for registered): the relays then retry what they hold at once instead of waiting out backoffs.
   */
  onRoutingResumed?: (() => void) | undefined;
  /**
   * The subscriptions of modules this host's topology says run elsewhere (from the build's module definitions). An
   * event one of them consumes is held in the outbox until some host of that module has registered in the table.
   */
  awaited?: readonly AwaitedSubscription[] | undefined;
  /** The modules hosted here, whose events this process publishes: see {@link RoutingHoldOptions.publishers}. */
  publishers?: readonly string[] | undefined;
}

const keepFailedS = 7 * 24 * 60 * 60;

/**
 * The bus across processes. Publishers route by the durable subscription table in Redis (see
 * {@link createSubscriptionTable}); each consuming module's queue is split into partitions by aggregate-key hash, the
 * module's replicas share the partitions (see {@link ownPartitions}), and each partition has one active job at a time
 * across all replicas (BullMQ global concurrency 1), so every key stays in order, also across a hand-over. `publish` resolves once Redis has the jobs, so the relay marks the outbox row
 * dispatched only then; with Redis down it rejects at once and the row stays in the outbox. Retries run inside the
 * job; every other way a job can end is turned into a dead letter (see {@link createJobHandler}).
 */
export function createBullmqBus(options: BullmqBusOptions): EventBus {
  const prefix = options.prefix ?? 'cleave';
  const bullPrefix = queuePrefix(prefix);
  const { log } = options;
  let closing = false;
  let closed: Promise<void> | undefined;
  let connectedOnce = false;
  const producer = connectRedis(
    options.redisUrl,
    { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 5000, ...redisTls(options.redisCa) },
    log,
    'producer',
    () => closing,
  );
  producer.once('ready', () => (connectedOnce = true));
  // A new connection gets a moment to come up (once, shared by every caller); after that, publishing fails fast.
  const firstConnect = firstReady(producer, 1000);
  const reconciler = createPublishReconciler({
    log,
    refreshMs: options.subscriptionRefreshMs,
    refresh: (force) => table.refresh(force),
    closing: () => closing,
    deliver: async (owed) => {
      const byQueue = new Map<string, { name: string; data: EventJobData; opts: { jobId: string } }[]>();
      for (const { envelope, entry } of owed) {
        const name = partitionQueueName(entry.module, partitionOf(envelope.key, entry.partitions));
        const job = {
          name: envelope.name,
          data: { consumer: entry.consumer, envelope },
          opts: { jobId: eventJobId(envelope.id, entry.consumer, envelope.version) },
        };
        byQueue.set(name, [...(byQueue.get(name) ?? []), job]);
      }
      // In publish order within each queue (a key's events stay in order).
      await Promise.all([...byQueue].map(([name, jobs]) => adder.add(name, queue(name), jobs)));
    },
  });
  const table = createSubscriptionTable({
    redis: producer,
    prefix,
    log,
    refreshMs: options.subscriptionRefreshMs,
    onRead: async (added, readAt) => {
      held.registered(added.map((e) => e.module));
      await reconciler.onRead(added, readAt);
    },
    onLost: () => options.observe?.brokerDataLost?.(),
  });
  const queues = new Map<string, Queue<EventJobData>>();
  const owners: PartitionOwner[] = [];
  const memberId = randomUUID();
  const local = new Map<string, Map<string, Consumer>>();
  const delivery: DeliveryOptions = {
    log,
    maxAttempts: options.maxAttempts,
    retry: options.retry,
    handlerTimeoutMs: options.handlerTimeoutMs,
    closing: () => closing,
    observe: options.observe,
  };
  const handleJob = createJobHandler({
    log,
    delivery,
    maxStalls: options.maxStalls,
    unroutedGraceMs: options.unroutedGraceMs,
    unroutedDelayMs: Math.min(5_000, options.unroutedGraceMs),
    consumers: (module) => local.get(module),
    registeredAt: (c) => table.registeredAt(c.event, c.version, c.id),
    // A publisher may route by a table up to one refresh old; a second of slack for clocks and transit.
    routingDelayMs: 2 * options.subscriptionRefreshMs + 1000,
    deadLetters: options.deadLetters,
  });
  const held = createRoutingHold({
    awaited: options.awaited ?? [],
    publishers: options.publishers,
    table,
    log,
    refreshMs: options.subscriptionRefreshMs,
    closing: () => closing,
    onResumed: options.onRoutingResumed,
  });
  const workers = createPartitionWorkers({
    redisUrl: options.redisUrl,
    redisCa: options.redisCa,
    bullPrefix,
    log,
    lockMs: options.handlerTimeoutMs + 5_000,
    stalledIntervalMs: options.stalledIntervalMs,
    handleJob,
    deadLetters: options.deadLetters,
    queue,
    closing: () => closing,
  });
  const jobOptions = {
    removeOnComplete: { age: Math.ceil(options.jobRetentionMs / 1000), count: 1_000_000 },
    removeOnFail: { age: keepFailedS, count: 100_000 },
  };

  /** The publishing connection must fail fast, not wait in an offline queue. */
  async function ready(): Promise<Redis> {
    if (producer.status !== 'ready' && !connectedOnce) await firstConnect;
    if (producer.status !== 'ready') throw new Error(`Redis is not available (${producer.status}); the event stays in the outbox.`);
    return producer;
  }

  const adder = createJobAdder<EventJobData>((name, q) => {
    // A queue whose first connection attempt failed stays broken: make a fresh one next time.
    if (queues.get(name) === q) queues.delete(name);
    void q.close().catch(() => {});
  });

  function queue(name: string): Queue<EventJobData> {
    let q = queues.get(name);
    if (!q) {
      q = new Queue<EventJobData>(name, { connection: producer, prefix: bullPrefix, defaultJobOptions: jobOptions });
      q.on('error', (err) => log.warn({ err, queue: name }, 'event queue error'));
      queues.set(name, q);
    }
    return q;
  }

  async function targets(envelope: EventEnvelope, consumer: string | undefined): Promise<{ entry: SubscriptionEntry; queue: string }[]> {
    const routes = await table.routes(envelope.name, envelope.version);
    return routes
      .filter((e) => consumer === undefined || e.consumer === consumer)
      .map((entry) => ({ entry, queue: partitionQueueName(entry.module, partitionOf(envelope.key, entry.partitions)) }));
  }

  /** One active job per partition, across every replica: set when consuming starts and whenever Redis is back. */
  async function limitPartitions(): Promise<void> {
    for (const [module] of local) {
      for (let p = 0; p < options.partitions; p++) await queue(partitionQueueName(module, p)).setGlobalConcurrency(1);
    }
  }

  producer.on('ready', () => {
    if (local.size > 0) limitPartitions().catch((err: unknown) => log.warn({ err }, 'could not set partition concurrency'));
  });

  /** Registers this process's consumers and starts taking its share of their partitions. */
  async function consume(): Promise<void> {
    const registeredAt = new Date().toISOString();
    const entries = [...local.values()].flatMap((consumers) =>
      [...consumers.values()].map((c) => ({
        event: c.event,
        version: c.version,
        consumer: c.id,
        module: c.module,
        partitions: options.partitions,
        inboxRetentionMs: options.inboxRetentionMs,
        registeredAt,
      })),
    );
    // Remembered first: when Redis is away now, the table registers them on the connection's next `ready`.
    table.remember(entries);
    try {
      await ready();
      await table.register(entries);
      await limitPartitions();
    } catch (error) {
      // Registered again as soon as Redis is back (the table re-registers on every reconnect).
      log.error({ err: error }, 'could not register event subscriptions yet; they are registered when Redis is back');
    }
    for (const module of local.keys()) {
      owners.push(
        ownPartitions({
          redis: producer,
          prefix,
          module,
          partitions: options.partitions,
          memberId,
          leaseMs: options.partitionLeaseMs,
          log,
          onAssign: (p) => workers.start(module, p),
          onRevoke: (p) => workers.stop(module, p),
        }),
      );
    }
  }

  return {
    kind: 'bullmq',
    subscribe(consumer) {
      if (closing) throw new BusClosedError();
      const consumers = local.get(consumer.module) ?? new Map<string, Consumer>();
      const key = `${consumer.id}@v${consumer.version}`;
      if (consumers.has(key)) throw new Error(`Consumer ${consumer.id} is already subscribed to ${consumer.eventType}.`);
      consumers.set(key, consumer);
      local.set(consumer.module, consumers);
    },
    async start() {
      if (local.size > 0) await consume();
      // Modules expected elsewhere that no host has registered yet (read after this host's own registration, which may
      // create the table): named from now on, not from their first held event.
      await held.expect().catch((error: unknown) => log.warn({ err: error }, 'could not read the event subscription table yet'));
    },
    async publish(envelope, publishOptions = {}) {
      if (closing) throw new BusClosedError();
      await ready();
      const at = Date.now();
      const byQueue = new Map<string, string[]>();
      const routed = await targets(envelope, publishOptions.consumer).catch((error: unknown) => {
        if (error instanceof RoutingPausedError) held.watch();
        throw error;
      });
      await held.check(envelope, routed, publishOptions.consumer);
      // Before the jobs are added: a read of the table that begins while they are being added must see this publish.
      if (publishOptions.consumer === undefined) reconciler.remember(envelope, at);
      for (const { entry, queue: name } of routed) byQueue.set(name, [...(byQueue.get(name) ?? []), entry.consumer]);
      // Publishes of the same turn share one addBulk per queue.
      await Promise.all(
        [...byQueue].map(([name, consumers]) =>
          adder.add(
            name,
            queue(name),
            consumers.map((consumer) => ({
              name: envelope.name,
              data: { consumer, envelope },
              opts: { jobId: eventJobId(envelope.id, consumer, envelope.version) },
            })),
          ),
        ),
      );
    },
    async audit(items, consumer, context = {}) {
      return auditDeliveries({ redis: await ready(), bullPrefix, targets }, items, consumer, context);
    },
    async ping() {
      await (await ready()).ping();
    },
    async forget(consumer, envelope) {
      await ready();
      const jobId = eventJobId(envelope.id, consumer, envelope.version);
      for (const { queue: name } of await targets(envelope, consumer)) await queue(name).remove(jobId);
    },
    async subscriptions() {
      await ready();
      return table.list();
    },
    async removeSubscription(event, version, consumer) {
      await ready();
      return table.remove(event, version, consumer);
    },
    async inboxRetentionMs(consumer) {
      await ready();
      const entries = (await table.list()).filter((e) => consumer === undefined || e.consumer === consumer);
      return entries.length === 0 ? options.inboxRetentionMs : Math.min(...entries.map((e) => e.inboxRetentionMs));
    },
    ownership() {
      return Object.fromEntries(owners.map((o) => [o.module, [...o.owned].sort((a, b) => a - b)]));
    },
    async queueDepths() {
      await ready();
      const states = ['waiting', 'active', 'delayed', 'failed'] as const;
      return Promise.all(
        [...local.keys()].flatMap((module) => {
          const counts = Array.from({ length: options.partitions }, (_, p) =>
            queue(partitionQueueName(module, p)).getJobCounts('wait', 'active', 'delayed', 'failed'),
          );
          return states.map(async (state) => ({
            module,
            state,
            count: (await Promise.all(counts)).reduce((sum, c) => sum + (c[state === 'waiting' ? 'wait' : state] ?? 0), 0),
          }));
        }),
      );
    },
    get routingPaused() {
      return table.paused ?? held.waiting();
    },
    routingPausedFor(module) {
      return table.paused ?? held.waiting(module);
    },
    close() {
      closed ??= (async () => {
        reconciler.stop();
        held.stop();
        // What was published since the last read of the table is checked against it once more before going away.
        if (reconciler.pending && producer.status === 'ready') {
          await table.refresh(true).catch((error: unknown) => log.warn({ err: error }, 'could not check recent events against the subscription table'));
        }
        closing = true;
        adder.flush();
        // Each worker finishes its active job first (a delivery that fails meanwhile goes back to its queue), then the
        // partitions are handed back for the other replicas.
        await Promise.allSettled(owners.map((o) => o.stop()));
        await Promise.allSettled([...queues.values()].map((q) => q.close()));
        producer.disconnect();
        workers.disconnect();
      })();
      return closed;
    },
  };
}
