import type { RouteConfig } from '@hono/zod-openapi';
import { createRouter, documentTextRule, securityScheme, securitySchemeName, type App } from '../http/index.ts';
import type { ModuleDefinition } from './define-module.ts';

const openapiVersion = '3.1.0';

/**
 * `/openapi.json` merges the contracts of every deployed module, wherever it runs (the code of all modules is
 * here, so a remote module's document needs no call), plus the platform's own documented routes;
 * `/<module>/openapi.json` is one module's. Documents are generated once, on first request.
 */
export function mountOpenApi(app: App, modules: readonly ModuleDefinition[]): void {
  let merged: unknown;
  app.get('/openapi.json', (c) => {
    merged ??= mergedDocument(modules, platformRoutes(app, modules));
    return c.json(merged);
  });
  for (const m of modules) {
    let doc: unknown;
    app.get(`/${m.name}/openapi.json`, (c) => {
      doc ??= moduleDocument(m);
      return c.json(doc);
    });
  }
}

/** The routes `app` documents (declared through `app.openapi`) outside the prefixes of `modules`: the platform's own. */
export function platformRoutes(app: App, modules: readonly ModuleDefinition[]): RouteConfig[] {
  const names = new Set(modules.map((m) => m.name));
  // A module's well-known URIs are outside its prefix but in its contract: documented with the module.
  const modulePaths = new Set(modules.flatMap((m) => Object.values(m.contract.routes).map((r) => `${r.method} ${r.path}`)));
  return app.openAPIRegistry.definitions
    .filter((d): d is { type: 'route'; route: RouteConfig } => d.type === 'route')
    .map((d) => d.route)
    .filter((r) => !names.has(r.path.split('/')[1] ?? '') && !modulePaths.has(`${r.method} ${r.path}`));
}

/**
 * The merged OpenAPI document that `/openapi.json` serves: every module in `modules`, then `platform` routes. Needs no
 * app, so `npm run openapi` writes the same document a host serves.
 */
export function mergedDocument(modules: readonly ModuleDefinition[], platform: readonly RouteConfig[]): unknown {
  const router = createRouter();
  const routes = [...modules.flatMap((m) => Object.values(m.contract.routes)), ...platform];
  for (const route of routes) register(router, route);
  declareSecurity(router, routes);
  return documentTextRule(
    router.getOpenAPI31Document({
      openapi: openapiVersion,
      info: { title: 'Cleave API', version: '1', description: `Modules: ${modules.map((m) => `${m.name} ${m.version}`).join(', ')}.` },
      tags: [...modules.map((m) => ({ name: m.name, description: m.description })), { name: 'ops', description: 'Operating the platform' }],
    }),
  );
}

/** One module's OpenAPI document, from its contract alone. */
export function moduleDocument(m: ModuleDefinition): unknown {
  const router = createRouter();
  const routes = Object.values(m.contract.routes);
  for (const route of routes) register(router, route);
  declareSecurity(router, routes);
  return documentTextRule(
    router.getOpenAPI31Document({
      openapi: openapiVersion,
      info: { title: `Cleave ${m.name}`, version: m.version, description: m.description, 'x-owner': m.owner } as never,
      tags: [{ name: m.name, description: m.description }],
    }),
  );
}

/** The OAuth2 security scheme the operations' `security` names, with every scope they use. */
function declareSecurity(router: App, routes: readonly RouteConfig[]): void {
  const scopes = routes.flatMap((r) => (r.security ?? []).flatMap((requirement) => Object.values(requirement).flat()));
  if (routes.some((r) => (r.security ?? []).length > 0))
    router.openAPIRegistry.registerComponent('securitySchemes', securitySchemeName, securityScheme(scopes));
}

/** Registers a route for documentation as `app.openapi` does: without its middleware, and not at all when hidden. */
function register(router: App, route: RouteConfig): void {
  const { middleware: _middleware, hide, ...documented } = route;
  if (!hide) router.openAPIRegistry.registerPath(documented);
}
