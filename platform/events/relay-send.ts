import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { SpanKind, type Logger, type Span, type Tracing } from '../observability/index.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import type { ClaimedRow } from './relay-heads.ts';
import { BusClosedError } from './bus.ts';
import { RoutingPausedError } from './subscription-table.ts';
import type { EventTables } from './tables.ts';
import { EventConversionError } from './versions.ts';

/** The dispatch's span: the relay handing a committed event to the bus (messaging `send`), in the event's trace. */
export function sendSpan(tracing: Tracing, system: string, row: ClaimedRow): Span | undefined {
  return tracing.startSpan(`send ${row.envelope.name}`, {
    kind: SpanKind.PRODUCER,
    traceparent: row.envelope.traceparent,
    attributes: {
      'messaging.system': system,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': row.envelope.name,
      'messaging.message.id': row.envelope.id,
      // The claim counted this attempt already.
      'cleave.delivery.attempt': row.attempts,
    },
  });
}

export interface RefusedOptions {
  db: Db;
  tables: EventTables;
  log: Logger;
  retry: BackoffOptions;
  /** Told when the row could not be given back: its claim lapses with its lease instead. */
  onLost: () => void;
}

/**
 * After the bus refused a row's event: gives the row back, unclaimed, with its next attempt due after the backoff for
 * its attempts so far and the reason in `last_error`. A refusal because event routing is paused is logged at debug
 * (the bus says so once, not once per event and attempt).
 */
export async function giveBackRefused(options: RefusedOptions, row: ClaimedRow, error: unknown): Promise<void> {
  const { db, log } = options;
  const outbox = options.tables.outbox;
  const delay = backoffDelay(row.attempts, options.retry);
  const fields = { eventId: row.envelope.id, event: row.envelope.name, attempts: row.attempts, retryInMs: delay };
  if (error instanceof RoutingPausedError) log.debug({ ...fields, reason: error.message }, 'outbox event held: event routing is paused');
  // The host is stopping (its bus closes before its relays): the event goes out after the next start.
  else if (error instanceof BusClosedError) log.info({ eventId: row.envelope.id, event: row.envelope.name }, 'outbox event held: the host is stopping');
  // A defect in the producer's code (its downcast): no retry settles it, a release that fixes the conversion does.
  else if (error instanceof EventConversionError)
    log.error(
      { err: error, ...fields },
      'outbox event cannot be converted to an older version its consumers read; it waits in the outbox until the downcast is fixed',
    );
  else log.warn({ err: error, ...fields }, 'outbox dispatch failed');
  await db
    .update(outbox)
    .set({
      claimedUntil: sql`now() + (${delay} * interval '1 millisecond')`,
      claimedBy: null,
      lastError: String(error instanceof Error ? error.message : error).slice(0, 2000),
    })
    .where(and(eq(outbox.id, row.id), isNull(outbox.dispatchedAt)))
    .catch((e: unknown) => {
      options.onLost();
      log.error({ err: e }, 'outbox release failed');
    });
}
