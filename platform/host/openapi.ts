import { createRouter, type App } from '../http/index.ts';
import type { ModuleDefinition } from './define-module.ts';

const openapiVersion = '3.1.0';

/**
 * `/openapi.json` merges every module's contract (and the platform's own routes); `/<module>/openapi.json` is one
 * module's. Documents are generated once, on first request: routes do not change after start-up.
 */
export function mountOpenApi(app: App, modules: readonly ModuleDefinition[]): void {
  let merged: unknown;
  app.get('/openapi.json', (c) => {
    merged ??= app.getOpenAPI31Document({
      openapi: openapiVersion,
      info: { title: 'Cleave API', version: '1', description: `Modules: ${modules.map((m) => `${m.name} ${m.version}`).join(', ')}.` },
      tags: modules.map((m) => ({ name: m.name, description: m.description })),
    });
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

/** One module's OpenAPI document, from its contract alone. */
export function moduleDocument(m: ModuleDefinition): unknown {
  const router = createRouter();
  for (const route of Object.values(m.contract.routes)) router.openAPIRegistry.registerPath(route);
  return router.getOpenAPI31Document({
    openapi: openapiVersion,
    info: { title: `Cleave ${m.name}`, version: m.version, description: m.description, 'x-owner': m.owner } as never,
    tags: [{ name: m.name, description: m.description }],
  });
}
