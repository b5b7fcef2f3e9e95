import type { RouteConfig } from '@hono/zod-openapi';
import type { EventDefinition } from '../../platform/events/index.ts';
import { anyOf, jsonSchemaOf, objectOf, type JsonSchema } from './schema-shape.ts';

const sections = ['params', 'query', 'headers'] as const;

/**
 * What a route accepts, as one JSON Schema object with a property per input section (`params`, `query`, `headers`,
 * `body`), so that a consumer's input paths (`query.status`) resolve against it. A section is required when it has
 * required fields; the body when the route says so.
 */
export function routeInputSchema(route: RouteConfig): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const section of sections) {
    const schema = route.request?.[section];
    // Headers given as a list of single-header schemas carry no names we could resolve paths against.
    if (schema === undefined || Array.isArray(schema)) continue;
    properties[section] = jsonSchemaOf(schema, 'input');
    if (hasRequired(properties[section])) required.push(section);
  }
  const body = route.request?.body;
  const media = body?.content['application/json'];
  if (body && media && 'schema' in media) {
    properties.body = jsonSchemaOf(media.schema, 'input');
    if (body.required) required.push('body');
  }
  return objectOf(properties, required);
}

/**
 * What a consumer may get back from a route: any of its 2xx answers. An answer without a JSON body is an
 * alternative in which every field is absent.
 */
export function routeSuccessSchema(route: RouteConfig): JsonSchema {
  const answers = Object.entries(route.responses)
    .filter(([status]) => /^2\d\d$/.test(status))
    .map(([, response]) => {
      const media = 'content' in response ? response.content?.['application/json'] : undefined;
      return media && 'schema' in media && media.schema !== undefined ? jsonSchemaOf(media.schema, 'output') : undefined;
    });
  return anyOf(answers);
}

/** What a consumer's handler receives: the event's payload after parsing. */
export function eventPayloadSchema(event: EventDefinition): JsonSchema {
  return jsonSchemaOf(event.schema, 'output');
}

/** `GET`, upper-case as on the wire. */
export function methodOf(route: RouteConfig): string {
  return route.method.toUpperCase();
}

function hasRequired(schema: JsonSchema | undefined): boolean {
  return Array.isArray(schema?.required) && schema.required.length > 0;
}
