import { randomUUID } from 'node:crypto';
import { DelayedError, WaitingError, type Job } from 'bullmq';
import type { Logger } from '../observability/index.ts';
import type { Consumer } from './bus.ts';
import type { DeadLetterStore } from './dead-letters.ts';
import { deliverWithRetries, type DeliveryOptions } from './delivery.ts';
import { envelopeSchema, type EventEnvelope } from './envelope.ts';

/** What a job carries: the target consumer and the envelope, as published. */
export interface EventJobData {
  consumer: string;
  envelope: EventEnvelope;
}

export interface JobHandlerOptions {
  log: Logger;
  delivery: DeliveryOptions;
  /** A job interrupted more often than this (its worker died while holding it) is dead-lettered, not run again. */
  maxStalls: number;
  /** How long a job for a consumer this process lacks is put back for a replica that has it. */
  unroutedGraceMs: number;
  /** How long such a job waits before it is offered again. */
  unroutedDelayMs: number;
  /** The consumers of a module hosted here, keyed by `<consumer id>@v<event version>`. */
  consumers: (module: string) => ReadonlyMap<string, Consumer> | undefined;
  /** When a consumer hosted here was first registered (ms), if it was. */
  registeredAt: (consumer: Consumer) => number | undefined;
  /** How stale a publisher's view of the subscriptions may be. */
  routingDelayMs: number;
  deadLetters: (module: string) => DeadLetterStore | undefined;
}

/**
 * Handles one job of a module's queue, so that every way a delivery can end, ends delivered or in the consumer's
 * dead-letter store: an unreadable job and a job interrupted too often are dead-lettered at once; a job for a consumer
 * this process does not have is put back (with a delay) for a replica that has it, and dead-lettered after a grace
 * period; a handler that keeps failing is dead-lettered by {@link deliverWithRetries}.
 */
export function createJobHandler(options: JobHandlerOptions) {
  const { log } = options;

  async function deadLetterUnreadable(module: string, job: Job, reason: string): Promise<void> {
    const data = (job.data ?? {}) as Record<string, unknown>;
    const raw = (typeof data.envelope === 'object' && data.envelope !== null ? data.envelope : {}) as Record<string, unknown>;
    const uuid = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}/i;
    const id = [raw.id, job.id].map((v) => (typeof v === 'string' ? uuid.exec(v)?.[0] : undefined)).find(Boolean) ?? randomUUID();
    const envelope = {
      ...raw,
      id,
      name: typeof raw.name === 'string' ? raw.name : 'unknown',
      version: Number.isInteger(raw.version) ? (raw.version as number) : 0,
      job: { id: job.id, data: job.data as unknown },
    } as unknown as EventEnvelope;
    const consumer = typeof data.consumer === 'string' ? data.consumer : `${module}:unknown`;
    log.error({ jobId: job.id, queue: job.queueName, consumer, reason }, 'unreadable event job dead-lettered');
    await store(module).record(consumer, envelope, new Error(reason), 1);
  }

  function store(module: string): DeadLetterStore {
    const found = options.deadLetters(module);
    if (!found) throw new Error(`Module ${module} has no dead-letter store in this process.`);
    return found;
  }

  return async function handleJob(module: string, job: Job<EventJobData>, token: string | undefined): Promise<void> {
    const parsed = envelopeSchema.safeParse(job.data?.envelope);
    const consumerId = job.data?.consumer;
    if (!parsed.success || typeof consumerId !== 'string') {
      await deadLetterUnreadable(module, job, `Job ${job.id} carries no readable event: ${parsed.error?.message ?? 'no consumer named'}`);
      return;
    }
    const envelope = parsed.data as EventEnvelope;
    const hosted = options.consumers(module);
    const consumer = hosted?.get(`${consumerId}@v${envelope.version}`);
    const fields = { jobId: job.id, eventId: envelope.id, event: envelope.name, version: envelope.version, consumer: consumerId };
    if (!consumer) {
      // This process hosts the consumer at another version of the event (it moved on). If that subscription existed
      // when this event went out, the producer sent the event in that version too (same event id): this job is
      // redundant, and the inbox would drop whichever of the two came second anyway.
      const sibling = [...(hosted?.values() ?? [])].find((c) => c.id === consumerId);
      const since = sibling && options.registeredAt(sibling);
      if (since !== undefined && since + options.routingDelayMs < job.timestamp) {
        log.info({ ...fields, hostedVersion: sibling?.version }, 'event job for a version this consumer moved on from; the other version was sent too');
        return;
      }
      const waited = Date.now() - job.timestamp;
      if (waited < options.unroutedGraceMs) {
        // An older replica during a rolling deploy: leave the job for one that has this consumer.
        log.warn({ ...fields, waitedMs: waited }, 'event job for a consumer this process does not have; putting it back for another replica');
        await job.moveToDelayed(Date.now() + options.unroutedDelayMs, token);
        throw new DelayedError();
      }
      const error = new Error(`No process hosting ${consumerId} took this event within ${options.unroutedGraceMs} ms.`);
      log.error({ ...fields, waitedMs: waited }, 'event job for an unknown consumer dead-lettered');
      await store(module).record(consumerId, envelope, error, 1);
      return;
    }
    if (job.stalledCounter > options.maxStalls) {
      const error = new Error(`Delivery was interrupted ${job.stalledCounter} times (the process handling it stopped); not trying again.`);
      log.error({ ...fields, stalls: job.stalledCounter }, 'event job stalled too often; dead-lettered');
      await consumer.deadLetter(envelope, error, job.stalledCounter);
      options.delivery.observe?.deadLettered(consumer.id);
      return;
    }
    try {
      await deliverWithRetries(consumer, envelope, options.delivery);
    } catch (error) {
      // Shutting down, or the dead letter could not be written: put the job back at the head of its queue (not among
      // the failed), so it is handled again, still before the events published after it.
      if (!options.delivery.closing()) {
        log.error({ ...fields, err: error }, 'event delivery could not finish; trying again');
        await new Promise((r) => setTimeout(r, options.delivery.retry.maxMs));
      }
      await job.moveToWait(token);
      throw new WaitingError();
    }
  };
}

/**
 * The last resort for a job that BullMQ failed anyway (a bug, or a failure outside the handler): it is dead-lettered
 * in its consumer's store and removed from BullMQ's failed set, so nothing stays only in Redis.
 */
export async function sinkFailedJob(job: Job<EventJobData>, reason: string, deadLetters: DeadLetterStore | undefined, log: Logger): Promise<void> {
  const parsed = envelopeSchema.safeParse(job.data?.envelope);
  if (!deadLetters || !parsed.success || typeof job.data?.consumer !== 'string') {
    log.error({ jobId: job.id, queue: job.queueName, reason }, 'failed event job could not be dead-lettered; it stays in the failed set');
    return;
  }
  await deadLetters.record(job.data.consumer, parsed.data as EventEnvelope, new Error(reason), Math.max(1, job.attemptsStarted));
  log.error({ jobId: job.id, eventId: parsed.data.id, consumer: job.data.consumer, reason }, 'failed event job dead-lettered');
  await job.remove().catch(() => {});
}
