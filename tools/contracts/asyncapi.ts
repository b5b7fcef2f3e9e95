import { z } from 'zod';
import { envelopeSchema, eventType, type EventDefinition } from '../../platform/events/index.ts';
import type { ModuleDefinition } from '../../platform/host/index.ts';

/**
 * The AsyncAPI 3.0 document of one module's events: a channel per event type (`<name>@v<version>`), a `send`
 * operation for each event the module publishes and a `receive` operation for each subscription it declares.
 *
 * A message is the whole envelope, as consumers get it on either bus: `id`, `name`, `version` (constants here),
 * `occurredAt`, `key` (ordering), `correlationId`, `causationId`, `traceparent`, and `payload`, the event's data.
 * Its JSON Schema is generated from the same zod schemas the code validates with (the envelope's and the event's).
 */
export function moduleAsyncApi(m: ModuleDefinition): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const declare = (event: EventDefinition) => {
    const id = channelId(event);
    messages[id] ??= message(event);
    channels[id] ??= {
      address: eventType(event),
      title: `${event.name} v${event.version}`,
      description: `Event ${event.name}, version ${event.version}, published by ${event.module}.`,
      messages: { [id]: { $ref: `#/components/messages/${id}` } },
    };
    return { channel: { $ref: `#/channels/${id}` }, messages: [{ $ref: `#/channels/${id}/messages/${id}` }] };
  };
  for (const event of m.contract.events) {
    operations[`send.${channelId(event)}`] = { action: 'send', ...declare(event), summary: `${m.name} publishes ${event.name} v${event.version}.` };
  }
  for (const subscription of m.subscriptions ?? []) {
    const event: EventDefinition = subscription.event;
    operations[`receive.${channelId(event)}.${subscription.handler}`] = {
      action: 'receive',
      ...declare(event),
      summary: `${m.name} handles ${event.name} v${event.version} in ${subscription.handler}.`,
      'x-consumer': `${m.name}:${subscription.handler}`,
    };
  }
  return {
    asyncapi: '3.0.0',
    info: { title: `Cleave ${m.name} events`, version: m.version, description: m.description, 'x-owner': m.owner },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages },
  };
}

/** `catalog.product-created@v1` as a key usable in AsyncAPI component names and `$ref`s. */
function channelId(event: { name: string; version: number }): string {
  return `${event.name}.v${event.version}`;
}

function message(event: EventDefinition): Record<string, unknown> {
  return {
    name: event.name,
    title: `${event.name} v${event.version}`,
    contentType: 'application/json',
    payload: envelopeJsonSchema(event),
    correlationId: { location: '$message.payload#/correlationId', description: 'Shared by every event and call of one business transaction.' },
    'x-event-version': event.version,
  };
}

const envelopeNotes = {
  id: 'Unique per event; consumers deduplicate on it (delivery is at least once).',
  occurredAt: 'When the publishing transaction wrote the event.',
  key: 'The aggregate key: events with the same key are delivered in order.',
  correlationId: 'Shared by every event and call of one business transaction.',
  causationId: 'The id of the event or request that caused this one.',
  traceparent: 'W3C Trace Context of the publishing span.',
} as const;

/** The envelope around `event`'s payload, as JSON Schema draft 7 (what AsyncAPI 3.0 schemas extend). */
function envelopeJsonSchema(event: EventDefinition): Record<string, unknown> {
  const shape = envelopeSchema.shape;
  const schema = envelopeSchema.extend({
    ...Object.fromEntries(Object.entries(envelopeNotes).map(([field, note]) => [field, shape[field as keyof typeof envelopeNotes].describe(note)])),
    name: z.literal(event.name).describe('The event name.'),
    version: z.literal(event.version).describe('The event version; a breaking change is published as a new version.'),
    payload: event.schema.describe(`The data of ${event.name} v${event.version}.`),
  });
  const json = z.toJSONSchema(schema, {
    target: 'draft-7',
    unrepresentable: 'any',
    // Output mode closes every object (additionalProperties: false), but a consumer must accept fields added later,
    // which is a compatible change; only objects the code declares strict stay closed, as in the OpenAPI documents.
    override: ({ zodSchema, jsonSchema }) => {
      const def = zodSchema._zod.def;
      if (def.type === 'object' && !('catchall' in def && def.catchall)) delete jsonSchema.additionalProperties;
    },
  }) as Record<string, unknown>;
  delete json.$schema;
  return { ...json, description: 'The event envelope; `payload` holds the event data.' };
}
