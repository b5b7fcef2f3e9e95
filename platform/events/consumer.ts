import type { Db } from '../db/index.ts';
import { endSpan, runInContext, SpanKind, tracingOff, type ExecutionContext, type Logger, type Tracing } from '../observability/index.ts';
import { PermanentDeliveryError, type Consumer } from './bus.ts';
import { eventType } from './define-event.ts';
import type { DeadLetterStore } from './dead-letters.ts';
import type { EventEnvelope } from './envelope.ts';
import type { Subscription } from './subscription.ts';
import type { EventTables } from './tables.ts';

export interface ConsumerOptions {
  module: string;
  db: Db;
  tables: EventTables;
  deadLetters: DeadLetterStore;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- handlers are typed at their declaration
  subscription: Subscription<any, any>;
  /** Passed to the handler as `tools.context`. */
  context: unknown;
  log: Logger;
  /** Called after a handler's transaction commits (it may have written to the module's outbox). */
  afterCommit: () => void;
  /** A consumer span per delivery, a child of the event's producer span (from the envelope), when tracing is on. */
  tracing?: Tracing;
}

const neverAborted = new AbortController().signal;

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/**
 * Wraps a module's handler as a bus consumer: each delivery runs in one transaction of the consumer's database that
 * first records the event id in the consumer's inbox. A duplicate finds its id there and does nothing, so effects
 * happen exactly once however often the bus delivers.
 */
export function createConsumer(options: ConsumerOptions): Consumer {
  const { subscription, tables, db } = options;
  const tracing = options.tracing ?? tracingOff;
  const id = `${options.module}:${subscription.handler}`;
  return {
    id,
    module: options.module,
    event: subscription.event.name,
    version: subscription.event.version,
    eventType: eventType(subscription.event),
    async deliver(envelope: EventEnvelope, signal?: AbortSignal) {
      const parsed = subscription.event.schema.safeParse(envelope.payload);
      if (!parsed.success)
        throw new PermanentDeliveryError(`Payload of ${envelope.name} v${envelope.version} does not match its schema: ${parsed.error.message}`);
      const log = options.log.child({ eventId: envelope.id, event: envelope.name, consumer: id, correlationId: envelope.correlationId });
      const context: ExecutionContext = {
        correlationId: envelope.correlationId,
        causationId: envelope.id,
        caller: options.module,
        ...(envelope.traceparent ? { traceparent: envelope.traceparent } : {}),
      };
      const span = tracing.enabled ? processSpan(tracing, id, options.module, envelope, context) : undefined;
      if (span) context.span = span;
      const delivery = runInContext(context, () =>
        db.transaction(async (tx) => {
          const fresh = await tx
            .insert(tables.inbox)
            .values({ eventId: envelope.id, consumer: id })
            .onConflictDoNothing()
            .returning({ eventId: tables.inbox.eventId });
          if (fresh.length === 0) return 'duplicate' as const;
          const tools = { tx, envelope: { ...envelope, payload: parsed.data }, log, context: options.context, signal: signal ?? neverAborted };
          // Past the deadline the transaction rolls back at once, whatever the handler still awaits, so it cannot
          // hold the connection (on PGlite, the only one) or commit late.
          await (signal ? untilAborted(subscription.handle(parsed.data, tools), signal) : subscription.handle(parsed.data, tools));
          return 'handled' as const;
        }),
      );
      let outcome: 'handled' | 'duplicate';
      try {
        outcome = await delivery;
      } catch (error) {
        if (span) endSpan(span, error);
        throw error;
      }
      span?.setAttribute('cleave.delivery.outcome', outcome);
      span?.end();
      if (outcome === 'handled') options.afterCommit();
      log.debug({ outcome }, 'event delivered');
      return outcome;
    },
    deadLetter(envelope, error, attempts) {
      return options.deadLetters.record(id, envelope, error, attempts);
    },
  };
}

/** A delivery's span (messaging conventions, operation `process`), continuing the producer's trace. */
function processSpan(tracing: Tracing, consumer: string, module: string, envelope: EventEnvelope, context: ExecutionContext) {
  return tracing.startSpan(
    `process ${envelope.name}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'cleave',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': envelope.name,
        'messaging.consumer.group.name': consumer,
        'messaging.message.id': envelope.id,
        'cleave.module': module,
      },
    },
    context,
  );
}
