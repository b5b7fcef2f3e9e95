import type { Config } from '../config/index.ts';
import { createInProcessBus, type AwaitedSubscription, type DeadLetterStore, type EventBus } from '../events/index.ts';
import type { Logger } from '../observability/index.ts';

/**
 * The event bus the configuration asks for: BullMQ on Redis when events cross processes, else in process. `deadLetters`
 * finds a hosted module's store (BullMQ dead-letters there); `observe` is told of every delivery (metrics); `awaited`
 * are the consumers of modules expected elsewhere, whose events BullMQ holds until a host of theirs registers (named
 * from the start when they consume events of `publishers`, the modules hosted here), and `onRoutingResumed` is told
 * when routing that refused events works again.
 */
export async function openBus(
  config: Config,
  log: Logger,
  deadLetters: (module: string) => DeadLetterStore | undefined,
  observe: Parameters<typeof createInProcessBus>[0]['observe'],
  awaited: readonly AwaitedSubscription[] = [],
  onRoutingResumed?: () => void,
  publishers: readonly string[] = [],
): Promise<EventBus> {
  const retry = { baseMs: config.events.retryBaseMs, maxMs: config.events.retryMaxMs };
  const events = config.events;
  // BullMQ and ioredis load only when configured, so a host without Redis never spends start-up on them.
  return events.bus === 'bullmq'
    ? (await import('../events/bullmq-bus.ts')).createBullmqBus({
        redisUrl: config.redis.url as string,
        redisCa: config.tls.redisCa,
        prefix: config.redis.prefix,
        log,
        maxAttempts: events.maxAttempts,
        retry,
        handlerTimeoutMs: events.handlerTimeoutMs,
        partitions: events.partitions,
        partitionLeaseMs: events.partitionLeaseMs,
        maxStalls: events.maxStalls,
        unroutedGraceMs: events.unroutedGraceMs,
        jobRetentionMs: events.jobRetentionMs,
        subscriptionRefreshMs: events.subscriptionRefreshMs,
        inboxRetentionMs: config.retention.inboxMs,
        deadLetters,
        observe,
        awaited,
        publishers,
        onRoutingResumed,
      })
    : createInProcessBus({
        log,
        maxAttempts: events.maxAttempts,
        retry,
        handlerTimeoutMs: events.handlerTimeoutMs,
        inboxRetentionMs: config.retention.inboxMs,
        observe,
      });
}
