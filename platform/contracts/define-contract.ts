import type { RouteConfig } from '@hono/zod-openapi';
import type { EventDefinition } from '../events/index.ts';

/**
 * A module's public contract: its routes (zod-openapi route definitions) and the events it publishes. The server
 * implements it, clients are derived from it and the OpenAPI document is generated from it.
 */
export interface Contract<Module extends string = string, Routes extends Record<string, RouteConfig> = Record<string, RouteConfig>> {
  module: Module;
  routes: Routes;
  events: readonly EventDefinition[];
}

export function defineContract<const Module extends string, const Routes extends Record<string, RouteConfig>>(
  module: Module,
  definition: { routes: Routes; events?: readonly EventDefinition[] },
): Contract<Module, Routes> {
  for (const [name, route] of Object.entries(definition.routes)) {
    if (!route.path.startsWith(`/${module}/v`)) {
      throw new Error(`Route ${module}.${name} (${route.path}) must live under /${module}/v<N>/.`);
    }
    // Generated clients in every language name their methods after operationId; the contract key is the name
    // the typed client already uses, prefixed by the module so it is unique across the merged document.
    route.operationId ??= `${module}.${name}`;
  }
  for (const event of definition.events ?? []) {
    if (event.module !== module) throw new Error(`Event ${event.name} is not named after module ${module}.`);
  }
  return { module, routes: definition.routes, events: definition.events ?? [] };
}
