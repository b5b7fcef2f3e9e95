import { z } from '@hono/zod-openapi';
import type { AuditLog } from '../audit/index.ts';
import type { Db } from '../db/index.ts';
import { auditOutbox, redriveOutbox, type EventBus, type EventDefinition, type EventTables, type OutboxWindow } from '../events/index.ts';
import { CleaveError, contractRoute, operatorAccess, createRouter, jsonContent, instant, moduleName, queryInteger, type App } from '../http/index.ts';

const subscriptionSchema = z
  .object({
    event: z.string(),
    version: z.number().int(),
    consumer: z.string(),
    module: z.string(),
    partitions: z.number().int(),
    inboxRetentionMs: z.number().int(),
    registeredAt: z.string(),
    tableCreatedAt: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'When the subscription table it was first registered in was created (ms since the epoch; BullMQ).' }),
  })
  .openapi('EventSubscription');

const windowQuery = z
  .object({
    module: moduleName().openapi({ description: 'The producing module, hosted here.' }),
    since: instant().openapi({ description: 'Events written at or after this time.' }),
    until: instant().optional().openapi({ description: 'Events written before this time; after `since`.' }),
    consumer: z.string().optional().openapi({ description: 'One consumer (`<module>:<handler>`); every subscriber when absent.' }),
  })
  // An empty window would answer "nothing missing" (audit) or "0 republished" (redrive) for a typo.
  .refine((q) => q.until === undefined || Date.parse(q.until) > Date.parse(q.since), { path: ['until'], message: 'must be after since' });

const deliverySchema = z.object({ eventId: z.uuid(), event: z.string(), version: z.number().int(), consumer: z.string(), present: z.boolean() });

const listSubscriptions = contractRoute({
  method: 'get',
  path: '/ops/events/subscriptions',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'The durable event subscriptions publishers route by',
  responses: {
    200: {
      description: 'Subscriptions, and whether routing is paused',
      content: jsonContent(z.object({ paused: z.string().nullable(), items: z.array(subscriptionSchema) })),
    },
  },
});

const removeSubscription = contractRoute({
  method: 'delete',
  path: '/ops/events/subscriptions',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'Remove a durable subscription, once its consumer is gone for good',
  request: { query: z.object({ event: z.string(), version: queryInteger({ min: 1, max: 2_147_483_647 }), consumer: z.string() }) },
  description:
    'Refused (409 `events/consumer-running`) while this host or a live instance in the registry runs the consumer: events published after the removal would not be queued for it, and it would not subscribe again until it restarts.',
  errors: { 404: ['events/subscription-not-found'], 409: ['events/no-durable-subscriptions', 'events/consumer-running'] },
  responses: { 200: { description: 'Removed', content: jsonContent(z.object({ removed: z.literal(true) })) } },
});

const audit = contractRoute({
  method: 'get',
  path: '/ops/events/audit',
  access: operatorAccess,
  tags: ['ops'],
  summary: "Find deliveries the broker lost: check a producer's dispatched events against the broker",
  request: { query: windowQuery },
  errors: { 404: ['events/producer-not-hosted', 'events/consumer-not-subscribed'], 409: ['events/cannot-audit'], 422: ['events/window-too-old'] },
  responses: {
    200: {
      description: 'What was checked and what is missing',
      content: jsonContent(z.object({ events: z.number().int(), checked: z.number().int(), missingCount: z.number().int(), missing: z.array(deliverySchema) })),
    },
  },
});

const redrive = contractRoute({
  method: 'post',
  path: '/ops/events/redrive',
  access: operatorAccess,
  tags: ['ops'],
  summary: "Re-publish a producer's dispatched events from a point in time, to one consumer or all",
  request: {
    body: {
      // Without it a request with no body skipped validation and was answered 404 "Module undefined is not hosted here".
      required: true,
      content: jsonContent(
        windowQuery.extend({
          mode: z
            .enum(['missing', 'all'])
            .optional()
            .openapi({ description: '`missing` (default with BullMQ): only what the broker lost. `all`: everything.' }),
        }),
      ),
    },
  },
  errors: { 404: ['events/producer-not-hosted', 'events/consumer-not-subscribed'], 409: ['events/cannot-audit'], 422: ['events/window-too-old'] },
  responses: {
    200: {
      description: 'Events handed to the bus again; consumer inboxes drop what was already handled',
      content: jsonContent(z.object({ events: z.number().int(), republished: z.number().int(), mode: z.enum(['missing', 'all']) })),
    },
  },
});

export interface EventsOpsSources {
  bus: EventBus;
  /** A producing module hosted here: its database, tables and event definitions. */
  producer(module: string): { db: Db; tables: EventTables; events: readonly EventDefinition[]; audit: AuditLog } | undefined;
  /**
   * Where `consumer` (`<module>:<handler>`) runs now, as readable places: this host when it runs it, and each live
   * instance in the registry that does (or that does not say which consumers it runs: a host older than that field).
   */
  consumerRunning(consumer: string): Promise<string[]>;
}

/** Operator endpoints for the event pipeline: the subscription table, and detecting and repairing a broker's loss. */
export function eventsOpsRoutes(sources: EventsOpsSources): App {
  const app = createRouter();
  const { bus } = sources;

  async function window(query: z.infer<typeof windowQuery>): Promise<OutboxWindow> {
    const producer = sources.producer(query.module);
    if (!producer)
      throw new CleaveError('not_found', 'events/producer-not-hosted', `Module ${query.module} is not hosted here.`, { details: { module: query.module } });
    // A consumer that takes none of the producer's events would be answered "nothing missing" or "0 republished"
    // (audit), or told its events went out again when they went nowhere (redrive, mode `all`).
    if (query.consumer !== undefined) {
      const produced = new Set(producer.events.map((e) => e.name));
      const subscribed = (await bus.subscriptions()).some((s) => s.consumer === query.consumer && produced.has(s.event));
      if (!subscribed) {
        throw new CleaveError(
          'not_found',
          'events/consumer-not-subscribed',
          `${query.consumer} subscribes to no event of ${query.module}; GET /ops/events/subscriptions lists the consumers.`,
          { details: { consumer: query.consumer, module: query.module } },
        );
      }
    }
    const since = new Date(query.since);
    const retention = await bus.inboxRetentionMs(query.consumer);
    // Older than the inbox remembers, a redelivered event could be handled twice.
    if (since.getTime() < Date.now() - retention) {
      throw new CleaveError(
        'invalid',
        'events/window-too-old',
        `since is older than the consumers' inbox retention (${retention} ms); events before it could be handled twice.`,
        {
          details: { inboxRetentionMs: retention },
        },
      );
    }
    return { ...producer, bus, since, ...(query.until ? { until: new Date(query.until) } : {}), ...(query.consumer ? { consumer: query.consumer } : {}) };
  }

  app.openapi(listSubscriptions, async (c) => c.json({ paused: bus.routingPaused ?? null, items: await bus.subscriptions() }, 200));
  app.openapi(removeSubscription, async (c) => {
    const { event, version, consumer } = c.req.valid('query');
    if (!bus.removeSubscription) throw new CleaveError('conflict', 'events/no-durable-subscriptions', 'The in-process bus keeps no durable subscriptions.');
    // A host registers its subscriptions when it starts: one removed under it stays removed, and the events published
    // meanwhile are queued for nobody (nor counted missing by the audit, the consumer not being subscribed).
    const running = await sources.consumerRunning(consumer);
    if (running.length > 0)
      throw new CleaveError(
        'conflict',
        'events/consumer-running',
        `${consumer} still runs on ${running.join('; ')}. Removing its subscription now would lose the events published until those hosts restart. ` +
          'Deploy them without the consumer first (a host leaves the registry when it stops, or REGISTRY_TTL_MS after it dies), then remove it.',
        { details: { consumer, runningOn: running } },
      );
    if (!(await bus.removeSubscription(event, version, consumer)))
      throw new CleaveError('not_found', 'events/subscription-not-found', `No subscription of ${consumer} to ${event} v${version}.`);
    return c.json({ removed: true as const }, 200);
  });
  app.openapi(audit, async (c) => {
    if (!bus.audit)
      throw new CleaveError('conflict', 'events/cannot-audit', 'The in-process bus keeps no delivery record to audit; undelivered events wait in the outbox.');
    return c.json(await auditOutbox(await window(c.req.valid('query'))), 200);
  });
  app.openapi(redrive, async (c) => {
    const body = c.req.valid('json');
    const mode = body.mode ?? (bus.audit ? 'missing' : 'all');
    if (mode === 'missing' && !bus.audit)
      throw new CleaveError('conflict', 'events/cannot-audit', 'The in-process bus cannot tell what is missing; use mode "all".');
    const result = await redriveOutbox(await window(body), mode);
    // The producer's trail records the redrive (the events themselves went to the bus, not to a table).
    await sources.producer(body.module)?.audit.recordAll([
      {
        action: 'platform.outbox-redriven',
        target: body.module,
        outcome: 'success',
        detail: { since: body.since, until: body.until ?? null, consumer: body.consumer ?? null, mode, events: result.events, republished: result.republished },
      },
    ]);
    return c.json(result, 200);
  });
  return app;
}
