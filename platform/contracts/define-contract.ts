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
  // Module names key plain objects (settings, topology): one that every object already has would find that instead.
  if (module in Object.prototype || module === 'prototype') throw new Error(`A module cannot be called ${module}: every JavaScript object has that property.`);
  for (const [name, route] of Object.entries(definition.routes)) {
    // Well-known URIs (RFC 8615) have fixed paths that standards name, e.g. /.well-known/jwks.json; the gateway
    // forwards each to the module that declares it.
    if (!route.path.startsWith(`/${module}/v`) && !isWellKnown(route.path)) {
      throw new Error(`Route ${module}.${name} (${route.path}) must live under /${module}/v<N>/ (or be a /.well-known/ URI).`);
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

/** Whether `path` is a well-known URI (RFC 8615), which a module may serve outside its own prefix. */
export function isWellKnown(path: string): boolean {
  return /^\/\.well-known\/[a-z0-9][a-z0-9._-]*$/.test(path);
}

/** The paths of a contract's routes outside its module prefix: its well-known URIs. */
export function wellKnownPaths(contract: Contract): { method: string; path: string }[] {
  return Object.values(contract.routes)
    .filter((r) => isWellKnown(r.path))
    .map((r) => ({ method: r.method, path: r.path }));
}
