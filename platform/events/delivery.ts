import { spanIdsOfFailure, type Logger } from '../observability/index.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { PermanentDeliveryError, type Consumer } from './bus.ts';
import type { EventEnvelope } from './envelope.ts';

export interface DeliveryOptions {
  log: Logger;
  /** Attempts before the delivery is dead-lettered (1 means no retry). */
  maxAttempts: number;
  retry: BackoffOptions;
  /** Longest a handler may run; it is then told to stop (its `signal` aborts) and the attempt counts as failed. */
  handlerTimeoutMs: number;
  /** True once the bus is shutting down: a failed attempt is then rethrown instead of retried or dead-lettered. */
  closing: () => boolean;
  /** Told of each attempt, retry and dead letter (metrics). */
  observe?: DeliveryObserver | undefined;
}

/** What metrics learn of deliveries; consumer ids (`module:handler`) are the only labels it offers. */
export interface DeliveryObserver {
  /** An attempt ended; `lagSeconds` is how long after the event occurred the attempt started. */
  attempt(consumer: string, outcome: 'handled' | 'duplicate' | 'failed', lagSeconds: number, seconds: number): void;
  /** A failed attempt is to be tried again. */
  retry(consumer: string): void;
  /** The delivery was given up and dead-lettered. */
  deadLettered(consumer: string): void;
  /**
   * The broker was found without data this process knew it held (Redis restarted empty, flushed, or failed over to a
   * replica without it): jobs it held for consumers may be gone. Once per loss, per process.
   */
  brokerDataLost?(): void;
}

/** A handler that did not finish within its deadline. Retried like any failure. */
export class HandlerTimeoutError extends Error {
  override readonly name = 'HandlerTimeoutError';
}

/**
 * Delivers one event to one consumer, the same way on every bus: each attempt within the handler deadline, retries
 * with exponential backoff and jitter, dead-letters at once on a {@link PermanentDeliveryError} and after the last
 * attempt. Resolves once the event is handled (or was a duplicate) or dead-lettered; rejects only when the bus is
 * closing (the caller leaves the event where it was, to be delivered again) or when the dead letter itself cannot be
 * written.
 */
export async function deliverWithRetries(consumer: Consumer, envelope: EventEnvelope, options: DeliveryOptions): Promise<void> {
  const { observe } = options;
  for (let attempt = 1; ; attempt++) {
    const started = observe ? Date.now() : 0;
    try {
      const outcome = await deliverWithin(consumer, envelope, options.handlerTimeoutMs);
      observe?.attempt(consumer.id, outcome, (started - Date.parse(envelope.occurredAt)) / 1000, (Date.now() - started) / 1000);
      return;
    } catch (error) {
      observe?.attempt(consumer.id, 'failed', (started - Date.parse(envelope.occurredAt)) / 1000, (Date.now() - started) / 1000);
      const permanent = error instanceof PermanentDeliveryError;
      // With the ids of the attempt's span, which has ended: the line joins the trace.
      const fields = { err: error, eventId: envelope.id, event: envelope.name, consumer: consumer.id, ...spanIdsOfFailure(error) };
      if (options.closing() && !permanent) throw error;
      if (permanent || attempt >= options.maxAttempts) {
        options.log.error({ ...fields, attempts: attempt }, 'event dead-lettered');
        await consumer.deadLetter(envelope, error, attempt);
        observe?.deadLettered(consumer.id);
        return;
      }
      observe?.retry(consumer.id);
      const delay = backoffDelay(attempt, options.retry);
      options.log.warn({ ...fields, attempt, retryInMs: delay }, 'event handler failed; retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** One attempt, bounded: past the deadline the handler's signal aborts and the attempt fails, whatever it still does. */
export async function deliverWithin(consumer: Consumer, envelope: EventEnvelope, timeoutMs: number): Promise<'handled' | 'duplicate'> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new HandlerTimeoutError(`Handler ${consumer.id} did not finish ${envelope.name} ${envelope.id} within ${timeoutMs} ms.`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([consumer.deliver(envelope, controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
