import { z } from '@hono/zod-openapi';
import { CleaveError, contractRoute, operatorAccess, createRouter, moduleName, text, uuid, type App } from '../http/index.ts';
import type { AuditLog } from '../audit/index.ts';
import { describeError, type Consumer, type DeadLetter, type DeadLetterStore, type DeliveryObserver } from '../events/index.ts';
import { stripUrlCredentials } from '../observability/index.ts';

const deadLetterSchema = z
  .object({
    id: uuid(),
    module: z.string(),
    consumer: z.string(),
    eventId: z.uuid(),
    eventName: z.string(),
    eventVersion: z.number().int(),
    error: z.string(),
    attempts: z.number().int(),
    failedAt: z.string(),
    replayedAt: z.string().nullable(),
    envelope: z.record(z.string(), z.unknown()),
  })
  .openapi('DeadLetter');

const listDeadLetters = contractRoute({
  method: 'get',
  path: '/ops/dead-letters',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'List dead-lettered event deliveries of the modules hosted here',
  request: {
    query: z.object({
      module: moduleName().optional().openapi({ description: 'One module hosted here; every one when absent.' }),
      pending: z.enum(['true', 'false']).default('true').openapi({ description: 'Only those not yet replayed.' }),
    }),
  },
  errors: { 404: ['events/module-not-hosted'] },
  responses: {
    200: { description: 'Dead letters, newest first', content: { 'application/json': { schema: z.object({ items: z.array(deadLetterSchema) }) } } },
  },
});

const replayDeadLetter = contractRoute({
  method: 'post',
  path: '/ops/dead-letters/{id}/replay',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'Deliver a dead-lettered event to its consumer again, once',
  request: { params: z.object({ id: uuid() }) },
  errors: { 404: ['events/dead-letter-not-found'], 409: ['events/consumer-not-hosted', 'events/replay-too-old', 'events/replay-failed'] },
  responses: {
    200: {
      description: 'Replayed; `duplicate` when the consumer had already handled the event',
      content: { 'application/json': { schema: z.object({ id: uuid(), outcome: z.enum(['handled', 'duplicate']) }) } },
    },
  },
});

const discardDeadLetter = contractRoute({
  method: 'post',
  path: '/ops/dead-letters/{id}/discard',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'Delete a dead letter without delivering it, saying why (recorded in the audit trail)',
  description:
    "For a letter no replay can settle: its consumer no longer exists anywhere, or the job carried no readable event. The event itself stays in its producer's outbox history, and on BullMQ the broker forgets the delivery, so the producer's audit counts it missing and a redrive sends it again; the audit entry keeps the consumer, event and reason.",
  request: {
    params: z.object({ id: uuid() }),
    body: {
      content: {
        'application/json': {
          schema: z.object({ reason: text({ min: 1, max: 500 }).openapi({ description: 'Why it is given up, for the audit trail.' }) }).strict(),
        },
      },
      required: true,
    },
  },
  errors: { 404: ['events/dead-letter-not-found'], 503: ['events/broker-unavailable'] },
  responses: {
    200: { description: 'Discarded', content: { 'application/json': { schema: z.object({ id: uuid(), outcome: z.literal('discarded') }) } } },
  },
});

export interface OpsSources {
  deadLetters: () => DeadLetterStore[];
  consumer: (id: string) => Consumer | undefined;
  /** How long a consumer remembers handled events: older events cannot be replayed safely. */
  inboxRetentionMs: (consumer: string) => Promise<number>;
  /** The audit trail of a module hosted here: a replay is an operator action, recorded in the dead letter's module. */
  audit: (module: string) => AuditLog | undefined;
  /** Drops the broker's record of a delivery given up on (`EventBus.forget`; nothing to do in-process). */
  forget: (letter: DeadLetter) => Promise<void>;
  /** Told of a replay's delivery attempt, as the bus tells of its own (`cleave_event_deliveries_total`). */
  observe?: DeliveryObserver | undefined;
}

/** Operator endpoints: dead letters, listed, replayable, and discarded when no replay can settle them. */
export function opsRoutes(sources: OpsSources): App {
  const app = createRouter();
  app.openapi(listDeadLetters, async (c) => {
    const { module, pending } = c.req.valid('query');
    const stores = sources.deadLetters().filter((s) => module === undefined || s.module === module);
    // An empty list would say "no dead letters" of a module whose letters another host keeps (after an extraction).
    if (module !== undefined && stores.length === 0)
      throw new CleaveError('not_found', 'events/module-not-hosted', `Module ${module} is not hosted here: ask the host that runs it (see /registry).`, {
        details: { module },
      });
    const lists = await Promise.all(stores.map((s) => s.list({ pendingOnly: pending === 'true' })));
    // A handler's error message may name a URL it failed on: shown without the password.
    const items = lists
      .flat()
      .sort((a, b) => b.failedAt.localeCompare(a.failedAt))
      .map((letter) => ({ ...letter, error: stripUrlCredentials(letter.error) }));
    return c.json({ items }, 200);
  });
  app.openapi(replayDeadLetter, async (c) => {
    const { id } = c.req.valid('param');
    for (const store of sources.deadLetters()) {
      const letter = await store.get(id);
      if (!letter) continue;
      const consumer = sources.consumer(letter.consumer);
      // The letter's module runs here, and with it every consumer it has: one it lacks exists nowhere in this build.
      if (!consumer)
        throw new CleaveError(
          'conflict',
          'events/consumer-not-hosted',
          `Module ${store.module} has no consumer ${letter.consumer} (its job carried no readable event, or the consumer was removed): no replay can settle this letter; discard it (POST /ops/dead-letters/${id}/discard).`,
        );
      const retention = await sources.inboxRetentionMs(letter.consumer);
      if (Date.parse(letter.envelope.occurredAt) < Date.now() - retention) {
        // The consumer's inbox no longer remembers events this old: if it handled this one meanwhile, it would again.
        throw new CleaveError(
          'conflict',
          'events/replay-too-old',
          `The event is older than ${letter.consumer}'s inbox retention (${retention} ms); replaying it could apply it twice.`,
        );
      }
      const trail = sources.audit(store.module);
      const entry = {
        action: 'platform.dead-letter-replayed',
        target: id,
        detail: { consumer: letter.consumer, eventId: letter.eventId, event: letter.eventName },
      };
      const started = Date.now();
      const observed = (outcome: 'handled' | 'duplicate' | 'failed') =>
        sources.observe?.attempt(letter.consumer, outcome, (started - Date.parse(letter.envelope.occurredAt)) / 1000, (Date.now() - started) / 1000);
      try {
        const outcome = await consumer.deliver(letter.envelope).catch((error: unknown) => {
          observed('failed');
          throw error;
        });
        observed(outcome);
        await store.markReplayed(
          id,
          (tx) => trail?.record(tx, { ...entry, outcome: 'success', detail: { ...entry.detail, delivery: outcome } }) ?? Promise.resolve(),
        );
        return c.json({ id, outcome }, 200);
      } catch (error) {
        await store.recordReplayFailure(id, error);
        await trail?.recordAll([{ ...entry, outcome: 'failure' }]);
        throw new CleaveError('conflict', 'events/replay-failed', `The consumer failed again: ${describeError(error)}`, {
          cause: error,
        });
      }
    }
    throw new CleaveError('not_found', 'events/dead-letter-not-found', `No dead letter ${id} in the modules hosted here.`);
  });
  app.openapi(discardDeadLetter, async (c) => {
    const { id } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    for (const store of sources.deadLetters()) {
      const letter = await store.get(id);
      if (!letter) continue;
      // The broker forgets the delivery first: a discard it missed would leave a letter gone and an event that no
      // redrive can send again (its job id still taken); a failure here keeps the letter for the operator to retry.
      await sources.forget(letter).catch((error: unknown) => {
        throw new CleaveError('unavailable', 'events/broker-unavailable', `The event broker could not forget the delivery: ${describeError(error)}`, {
          cause: error,
          retryAfterSeconds: 5,
        });
      });
      const trail = sources.audit(store.module);
      const discarded = await store.discard(
        id,
        (tx, letter) =>
          trail?.record(tx, {
            action: 'platform.dead-letter-discarded',
            target: id,
            outcome: 'success',
            detail: { consumer: letter.consumer, eventId: letter.eventId, event: letter.eventName, reason },
          }) ?? Promise.resolve(),
      );
      if (discarded) return c.json({ id, outcome: 'discarded' as const }, 200);
    }
    throw new CleaveError('not_found', 'events/dead-letter-not-found', `No dead letter ${id} in the modules hosted here.`);
  });
  return app;
}
