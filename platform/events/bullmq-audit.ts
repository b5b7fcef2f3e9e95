import type { Redis } from 'ioredis';
import type { AuditContext, DeliveryRecord } from './bus.ts';
import type { EventEnvelope } from './envelope.ts';
import { eventJobId } from './partitions.ts';
import { clockSlackMs } from './publish-reconciler.ts';
import type { SubscriptionEntry } from './subscription-table.ts';

export interface AuditDeliveriesOptions {
  redis: Redis;
  /** BullMQ's key prefix (`<prefix>:q`). */
  bullPrefix: string;
  /** The subscriptions an event is routed to now, with the queue of its partition. */
  targets: (envelope: EventEnvelope, consumer: string | undefined) => Promise<{ entry: SubscriptionEntry; queue: string }[]>;
}

/**
 * Whether BullMQ still has the job of each delivery an event was owed (one `EXISTS` per job, in one pipeline): the
 * answer to `EventBus.audit` for the BullMQ bus. A subscription registered after the event went out was never owed
 * it, unless the table it sits in was created after the event's producer first dispatched (Redis lost its data).
 */
export async function auditDeliveries(
  options: AuditDeliveriesOptions,
  items: readonly { envelope: EventEnvelope; dispatchedAt: Date }[],
  consumer: string | undefined,
  context: AuditContext,
): Promise<DeliveryRecord[]> {
  const checks: (DeliveryRecord & { key: string })[] = [];
  // A table created after the producer's first dispatch had been lost with Redis's data; whoever registered a
  // subscription into it may have been subscribed long before (a second of slack for the hosts' clocks).
  const firstDispatch = context.firstDispatchedAt?.getTime();
  const reRegistered = (entry: SubscriptionEntry) =>
    firstDispatch !== undefined && entry.tableCreatedAt !== undefined && entry.tableCreatedAt > firstDispatch + clockSlackMs;
  for (const { envelope, dispatchedAt } of items) {
    for (const { entry, queue } of await options.targets(envelope, consumer)) {
      // A subscription made after the event went out was never owed it; one registered again after Redis lost the
      // table cannot tell, and is owed everything (also what was routed while the table lacked it).
      if (Date.parse(entry.registeredAt) > dispatchedAt.getTime() && !reRegistered(entry)) continue;
      const key = `${options.bullPrefix}:${queue}:${eventJobId(envelope.id, entry.consumer, envelope.version)}`;
      checks.push({ key, eventId: envelope.id, event: envelope.name, version: envelope.version, consumer: entry.consumer, present: false });
    }
  }
  const pipeline = options.redis.pipeline();
  for (const c of checks) pipeline.exists(c.key);
  const results = (await pipeline.exec()) ?? [];
  return checks.map(({ key: _key, ...record }, i) => ({ ...record, present: results[i]?.[1] === 1 }));
}
