import { fileURLToPath } from 'node:url';
import { createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { defineContract } from '../../platform/contracts/index.ts';
import { mergedDocument } from '../../platform/host/openapi.ts';
import { defineModule } from '../../platform/host/index.ts';
import { contractRoute, createRouter, jsonContent } from '../../platform/http/index.ts';
import { startTestHost } from '../support/test-host.ts';
import { openTestPglite } from '../support/pglite-image.ts';

type Operation = { security?: Record<string, string[]>[]; responses: Record<string, unknown>; 'x-cleave-access'?: unknown };
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes?: Record<string, { flows: { clientCredentials: { scopes: Record<string, string> } } }> };
};

describe('access declarations', () => {
  it('contractRoute refuses a route without one, naming it', () => {
    expect(() =>
      contractRoute({ method: 'get', path: '/demo/v1/x', responses: { 200: { description: 'ok' } } } as unknown as Parameters<typeof contractRoute>[0]),
    ).toThrow(/GET \/demo\/v1\/x declares no access/);
  });

  it('a host does not start with a contract route that declares none', async () => {
    const bare = createRoute({ method: 'get', path: '/bare/v1/things', responses: { 200: { description: 'ok', content: jsonContent(z.object({})) } } });
    const bareModule = defineModule({
      name: 'bare',
      version: '0.0.0',
      owner: 'tests',
      costCentre: 'cc-test',
      description: 'A route made without contractRoute.',
      contract: defineContract('bare', { routes: { list: bare } }),
      migrations: fileURLToPath(new URL('../support/ledger/migrations', import.meta.url)),
      routes: () => createRouter(),
    });
    const database = await openTestPglite();
    try {
      await expect(startTestHost({ database, modules: [bareModule] })).rejects.toThrow(/bare\.list \(GET \/bare\/v1\/things\)/);
    } finally {
      await database.close();
    }
  });

  it('OpenAPI shows each operation’s security: none when public, the scopes otherwise, with 401 and 403 declared', () => {
    const document = mergedDocument(modules, []) as Document;
    const listProducts = document.paths['/catalog/v1/products']?.get;
    const createProduct = document.paths['/catalog/v1/products']?.post;
    expect(listProducts?.security).toEqual([]);
    expect(Object.keys(listProducts?.responses ?? {})).not.toContain('401');
    expect(createProduct?.security).toEqual([{ oauth2: ['catalog:write'] }]);
    expect(Object.keys(createProduct?.responses ?? {})).toEqual(expect.arrayContaining(['401', '403']));
    const scopes = Object.keys(document.components.securitySchemes?.oauth2?.flows.clientCredentials.scopes ?? {});
    expect(scopes).toEqual(expect.arrayContaining(['catalog:write', 'inventory:read', 'inventory:write']));
    // Every operation of every module says something.
    for (const [path, operations] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(operations)) expect(operation.security, `${method} ${path}`).toBeDefined();
  });
});
