import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Executor } from '../db/index.ts';
import { currentContext, endSpan, SpanKind, traceparentOf, tracingOff, type Tracing } from '../observability/index.ts';
import type { EventDefinition } from './define-event.ts';
import type { EventEnvelope } from './envelope.ts';
import type { EventTables } from './tables.ts';

/** Writes events into a module's outbox. */
export interface Outbox {
  /**
   * Records an event in the same transaction as the state change it announces. Nothing is sent until the
   * transaction commits; a rolled-back transaction publishes nothing.
   */
  publish<E extends EventDefinition>(tx: Executor, event: E, payload: z.input<E['schema']>): Promise<EventEnvelope<z.output<E['schema']>>>;
}

/** A relay's claim on the rows a transaction it tracks writes (see `Relay.track`). */
export interface OutboxClaim {
  relayId: string;
  leaseMs: number;
  /** Told of each row written, claimed for the relay. */
  written(envelope: EventEnvelope): void;
}

/** Where the outbox asks whether a transaction's rows are claimed as they are written (the module's relay). */
export interface OutboxClaims {
  claimFor(tx: object): OutboxClaim | undefined;
}

/**
 * With tracing on, each event gets a producer span (OpenTelemetry messaging conventions, operation `create`) under
 * the work that publishes it; the envelope carries that span as its `traceparent`, so consumers, wherever and
 * whenever they run, continue the same trace.
 */
export function createOutbox(tables: EventTables, owner: string, tracing: Tracing = tracingOff, claims?: OutboxClaims): Outbox {
  const outbox = tables.outbox;
  /**
   * The row of a transaction the relay tracks is claimed for that relay as it is written (a short lease from the
   * statement, `clock_timestamp()`, not from the transaction's start), so no other relay's sweep takes it while the
   * relay hands it to the bus at commit. Whether it heads its key is checked by the relay after the commit.
   */
  async function insertClaimed(tx: Executor, claim: OutboxClaim, envelope: EventEnvelope): Promise<void> {
    await tx.insert(outbox).values({
      id: envelope.id,
      name: envelope.name,
      version: envelope.version,
      aggregateKey: envelope.key,
      envelope,
      claimedBy: claim.relayId,
      claimedUntil: sql`clock_timestamp() + (${claim.leaseMs} * interval '1 millisecond')`,
      attempts: 1,
    });
    claim.written(envelope);
  }

  return {
    async publish<E extends EventDefinition>(tx: Executor, event: E, payload: z.input<E['schema']>) {
      if (event.module !== owner) throw new Error(`Module ${owner} cannot publish ${event.name}: events are published by the module they are named after.`);
      const parsed = event.schema.parse(payload) as z.output<E['schema']>;
      const context = currentContext();
      const id = randomUUID();
      const span = tracing.enabled
        ? tracing.startSpan(
            `create ${event.name}`,
            {
              kind: SpanKind.PRODUCER,
              attributes: {
                'messaging.system': 'cleave',
                'messaging.operation.type': 'create',
                'messaging.operation.name': 'create',
                'messaging.destination.name': event.name,
                'messaging.message.id': id,
                'cleave.module': owner,
              },
            },
            context,
          )
        : undefined;
      const envelope: EventEnvelope<typeof parsed> = {
        id,
        name: event.name,
        version: event.version,
        occurredAt: new Date().toISOString(),
        key: event.key(parsed),
        correlationId: context?.correlationId ?? id,
        causationId: context?.causationId ?? null,
        traceparent: (span ? traceparentOf({ correlationId: id, span }) : traceparentOf(context)) ?? null,
        payload: parsed,
      };
      try {
        const claim = claims?.claimFor(tx);
        if (claim) await insertClaimed(tx, claim, envelope);
        else await tx.insert(outbox).values({ id, name: event.name, version: event.version, aggregateKey: envelope.key, envelope });
      } catch (error) {
        if (span) endSpan(span, error);
        throw error;
      }
      span?.end();
      return envelope;
    },
  };
}
