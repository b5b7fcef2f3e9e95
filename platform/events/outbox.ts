import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Executor } from '../db/index.ts';
import { currentContext } from '../observability/index.ts';
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

export function createOutbox(tables: EventTables, owner: string): Outbox {
  return {
    async publish<E extends EventDefinition>(tx: Executor, event: E, payload: z.input<E['schema']>) {
      if (event.module !== owner) throw new Error(`Module ${owner} cannot publish ${event.name}: events are published by the module they are named after.`);
      const parsed = event.schema.parse(payload) as z.output<E['schema']>;
      const context = currentContext();
      const id = randomUUID();
      const envelope: EventEnvelope<typeof parsed> = {
        id,
        name: event.name,
        version: event.version,
        occurredAt: new Date().toISOString(),
        key: event.key(parsed),
        correlationId: context?.correlationId ?? id,
        causationId: context?.causationId ?? null,
        traceparent: context?.traceparent ?? null,
        payload: parsed,
      };
      await tx.insert(tables.outbox).values({ id, name: event.name, version: event.version, aggregateKey: envelope.key, envelope });
      return envelope;
    },
  };
}
