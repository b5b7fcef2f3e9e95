import { and, eq, inArray } from 'drizzle-orm';
import type { Db, Tx } from '../db/index.ts';
import { childWithIds, endSpan, runInContext, SpanKind, tracingOff, type ExecutionContext, type Logger, type Tracing } from '../observability/index.ts';
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
  /** Group commit under load (default: each delivery alone). */
  batching?: ConsumerBatching | undefined;
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

/** Deliveries of one consumer committed together (group commit); see {@link ConsumerOptions.batching}. */
export interface ConsumerBatching {
  /** Most deliveries in one transaction; 1 handles each alone. */
  max: number;
  /** Transactions of this consumer at once before further deliveries wait to go together. */
  transactions: number;
}

/** A consumer's handler is "fast" while its handler's moving average stays below this; slower ones never wait. */
const fastHandlerMs = 10;
/** A transaction takes no further waiting deliveries once it has run this long; they go in the next one. */
const batchWindowMs = 50;

/**
 * The batching a host gives its consumers: up to `max` deliveries per transaction; on PGlite one transaction at a time
 * (its one connection runs them one after another anyway), on PostgreSQL two, so one can commit while the next runs.
 */
export function consumerBatching(kind: 'pglite' | 'postgres', max: number): ConsumerBatching {
  return { max, transactions: kind === 'pglite' ? 1 : 2 };
}

interface Delivery {
  envelope: EventEnvelope;
  payload: unknown;
  log: Logger;
  context: ExecutionContext;
  signal: AbortSignal | undefined;
}

type Outcome = 'handled' | 'duplicate';

/** A consumer's id, `<module>:<handler>`: what its queue, inbox rows, dead letters and metrics are keyed by. */
export const consumerId = (module: string, handler: string): string => `${module}:${handler}`;

/**
 * Wraps a module's handler as a bus consumer: each delivery runs in one transaction of the consumer's database that
 * first records the event id in the consumer's inbox. A duplicate finds its id there and does nothing, so effects
 * happen exactly once however often the bus delivers.
 *
 * Under load, deliveries go together (group commit): while `batching.transactions` transactions of this consumer
 * run, the deliveries that arrive wait, and the next transaction takes them all (up to `batching.max`): one inbox
 * insert, then each handler in turn on the same transaction, one commit. Any failure in it rolls it back and each of
 * its deliveries is handled alone, so a failing event fails alone and nothing commits twice. Only consumers whose
 * handlers are quick are batched (a slow handler's wait would add up across a batch); a bus hands a consumer at most
 * one event of a key at a time, so a batch never holds two events of one key.
 */
export function createConsumer(options: ConsumerOptions): Consumer & { inFlight(): EventEnvelope[] } {
  const { subscription, tables, db } = options;
  const tracing = options.tracing ?? tracingOff;
  const id = consumerId(options.module, subscription.handler);
  const batching = options.batching ?? { max: 1, transactions: 1 };
  const waiting: { delivery: Delivery; settle: (outcome: Outcome) => void; fail: (error: unknown) => void }[] = [];
  let running = 0;
  /** Deliveries taken and not yet settled (what a forced shutdown abandons; the bus delivers them again). */
  const inFlight = new Set<EventEnvelope>();
  /** Moving average of the handler's own time (ms). */
  let handlerMs = 0;

  async function runHandler(delivery: Delivery, tx: Tx): Promise<void> {
    // Its deadline passed before its turn (a batch, or the wait for a connection): the handler is not started at all.
    if (delivery.signal?.aborted) throw delivery.signal.reason;
    const started = performance.now();
    const tools = {
      tx,
      envelope: { ...delivery.envelope, payload: delivery.payload },
      log: delivery.log,
      context: options.context,
      signal: delivery.signal ?? neverAborted,
    };
    // Past the deadline the transaction rolls back at once, whatever the handler still awaits, so it cannot
    // hold the connection (on PGlite, the only one) or commit late.
    const handled = subscription.handle(delivery.payload, tools);
    await (delivery.signal ? untilAborted(handled, delivery.signal) : handled);
    handlerMs = handlerMs * 0.9 + (performance.now() - started) * 0.1;
  }

  /** Records the events in the inbox; returns those not there before (the others are duplicates). */
  async function recordInInbox(tx: Tx, deliveries: readonly Delivery[]): Promise<Set<string>> {
    const rows = await tx
      .insert(tables.inbox)
      .values(deliveries.map((d) => ({ eventId: d.envelope.id, consumer: id })))
      .onConflictDoNothing()
      .returning({ eventId: tables.inbox.eventId });
    return new Set(rows.map((r) => r.eventId));
  }

  function handleAlone(delivery: Delivery): Promise<Outcome> {
    return runInContext(delivery.context, () =>
      db.transaction(async (tx) => {
        if ((await recordInInbox(tx, [delivery])).size === 0) return 'duplicate' as const;
        await runHandler(delivery, tx);
        return 'handled' as const;
      }),
    );
  }

  /** Handles `batch` in one transaction; the deliveries it had no time for are returned, to wait for the next. */
  async function handleTogether(batch: typeof waiting): Promise<typeof waiting> {
    const started = performance.now();
    let done = 0;
    const outcomes: Outcome[] = [];
    // The transaction's own statements (begin, inbox, commit) belong to the first delivery's work.
    await runInContext((batch[0] as (typeof waiting)[number]).delivery.context, () =>
      db.transaction(async (tx) => {
        const fresh = await recordInInbox(
          tx,
          batch.map((w) => w.delivery),
        );
        for (const { delivery } of batch) {
          if (done > 0 && performance.now() - started > batchWindowMs) {
            // Out of time: the rest waits for the next transaction. The inbox rows this one recorded for them go (only
            // those: an older row is a duplicate's, and stays), or they would be taken for duplicates and never run.
            const unstarted = batch
              .slice(done)
              .map((w) => w.delivery.envelope.id)
              .filter((eventId) => fresh.has(eventId));
            if (unstarted.length > 0) await tx.delete(tables.inbox).where(and(eq(tables.inbox.consumer, id), inArray(tables.inbox.eventId, unstarted)));
            break;
          }
          if (fresh.has(delivery.envelope.id)) {
            await runInContext(delivery.context, () => runHandler(delivery, tx));
            outcomes.push('handled');
          } else outcomes.push('duplicate');
          done++;
        }
      }),
    );
    batch.slice(0, done).forEach((w, i) => w.settle(outcomes[i] as Outcome));
    return batch.slice(done);
  }

  /** Runs transactions while deliveries wait, each taking as many as it may. */
  async function drain(): Promise<void> {
    running++;
    try {
      while (waiting.length > 0) {
        const batch: typeof waiting = [];
        const ids = new Set<string>();
        // The same event twice (two relays, a redrive) never shares a transaction: the inbox could not tell them apart.
        for (let i = 0; i < waiting.length && batch.length < batching.max;) {
          const next = waiting[i] as (typeof waiting)[number];
          if (next.delivery.signal?.aborted) {
            // Its deadline passed while it waited: it fails now rather than roll back the others' transaction.
            waiting.splice(i, 1);
            next.fail(next.delivery.signal.reason);
          } else if (ids.has(next.delivery.envelope.id)) i++;
          else {
            ids.add(next.delivery.envelope.id);
            batch.push(next);
            waiting.splice(i, 1);
          }
        }
        if (batch.length === 1) {
          const [only] = batch as [(typeof waiting)[number]];
          await handleAlone(only.delivery).then(only.settle, only.fail);
          continue;
        }
        try {
          waiting.unshift(...(await handleTogether(batch)));
        } catch {
          // One of them failed (or the database did): each alone, so that only a failing one fails.
          await Promise.all(batch.map((w) => handleAlone(w.delivery).then(w.settle, w.fail)));
        }
      }
    } finally {
      running--;
    }
  }

  function handle(delivery: Delivery): Promise<Outcome> {
    if (batching.max <= 1 || handlerMs >= fastHandlerMs) return handleAlone(delivery);
    return new Promise<Outcome>((settle, fail) => {
      waiting.push({ delivery, settle, fail });
      if (running < batching.transactions) void drain();
    });
  }

  return {
    id,
    module: options.module,
    event: subscription.event.name,
    version: subscription.event.version,
    eventType: eventType(subscription.event),
    inFlight: () => [...inFlight],
    async deliver(envelope: EventEnvelope, signal?: AbortSignal) {
      const parsed = subscription.event.schema.safeParse(envelope.payload);
      if (!parsed.success)
        throw new PermanentDeliveryError(`Payload of ${envelope.name} v${envelope.version} does not match its schema: ${parsed.error.message}`);
      const log = childWithIds(options.log, { eventId: envelope.id, event: envelope.name, consumer: id, correlationId: envelope.correlationId });
      const context: ExecutionContext = {
        correlationId: envelope.correlationId,
        causationId: envelope.id,
        caller: options.module,
        ...(envelope.traceparent ? { traceparent: envelope.traceparent } : {}),
      };
      const span = tracing.enabled ? processSpan(tracing, id, options.module, envelope, context) : undefined;
      if (span) context.span = span;
      let outcome: Outcome;
      inFlight.add(envelope);
      try {
        outcome = await handle({ envelope, payload: parsed.data, log, context, signal });
      } catch (error) {
        if (span) {
          span.setAttribute('cleave.delivery.outcome', 'failed');
          endSpan(span, error);
        }
        throw error;
      } finally {
        inFlight.delete(envelope);
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
