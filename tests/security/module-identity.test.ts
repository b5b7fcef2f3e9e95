import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogModule } from '../../modules/catalog/index.ts';
import { identityModule } from '../../modules/identity/index.ts';
import type { Host } from '../../platform/host/index.ts';
import type { RunningServer } from '../../platform/host/serve.ts';
import { onBehalfOfHeader } from '../../platform/http/index.ts';
import { runInContext } from '../../platform/observability/index.ts';
import { testDatabases } from '../support/databases.ts';
import { identityElsewhere, type IdentityElsewhere } from '../support/identity-elsewhere.ts';
import { startTestHost } from '../support/test-host.ts';
import { adminToken } from '../support/tokens.ts';
import { moduleClientSecret } from '../../platform/security/index.ts';
import { randomBytes } from 'node:crypto';
import { testConfig } from '../support/test-host.ts';

/**
 * Module identity between processes: a host without identity verifies tokens against the one it reaches through
 * REMOTE_MODULES (issuer from its metadata, keys from its JWKS, over real HTTP), and a module's call leaving the
 * process carries the module's own client-credentials token, with the end user's beside it.
 */
describe('module identity between two hosts over HTTP', () => {
  const testDatabase = testDatabases[0];
  let hosts: IdentityElsewhere;
  let central: Host;
  let server: RunningServer;
  let extracted: Host;

  beforeAll(async () => {
    hosts = await identityElsewhere();
    ({ central, server, extracted } = hosts);
  }, 60_000);
  afterAll(() => hosts?.stop());

  it('verifies tokens the remote identity issued, and refuses them where their scopes fall short', async () => {
    expect(extracted.modules.map((m) => m.definition.name)).toEqual(['catalog']);
    const product = () => ({
      method: 'POST',
      body: JSON.stringify({ sku: `M-${randomUUID().slice(0, 8)}`, name: 'Remote verified', price: { amount: 1, currency: 'EUR' } }),
    });
    const token = await adminToken(central, (p, init) => central.app.request(p, init));
    const json = { 'content-type': 'application/json' };
    expect((await extracted.app.request('/catalog/v1/products', { ...product(), headers: { ...json, authorization: `Bearer ${token}` } })).status).toBe(201);
    expect((await extracted.app.request('/catalog/v1/products', { ...product(), headers: json })).status).toBe(401);
    const forged = await extracted.app.request('/catalog/v1/products', {
      ...product(),
      headers: { ...json, authorization: `Bearer ${token.slice(0, -4)}AAAA` },
    });
    expect(forged.status).toBe(401);
  });

  it("sends a module's own token, and the end user's beside it; the provider sees both", async () => {
    const call = { method: 'GET', target: '/ops/dead-letters', headers: { 'x-cleave-caller': 'catalog' } };
    const alone = await extracted.security.withCredentials(call);
    const moduleToken = alone.headers.authorization?.replace(/^Bearer /, '') ?? '';
    const asModule = await central.security.verifier?.verify(moduleToken);
    expect(asModule).toMatchObject({ kind: 'module', module: 'catalog', subject: 'module:catalog' });
    expect(alone.headers[onBehalfOfHeader]).toBeUndefined();
    // The module alone may not read dead letters (operator): 403; calling for an operator, it may.
    const refused = await fetch(`${server.url}${call.target}`, { headers: alone.headers });
    expect(refused.status).toBe(403);

    const user = await adminToken(central, (p, init) => central.app.request(p, init));
    const principal = await extracted.security.verifier?.verify(user);
    const forUser = await runInContext({ correlationId: randomUUID(), ...(principal ? { principal } : {}), userToken: user }, () =>
      extracted.security.withCredentials(call),
    );
    expect(forUser.headers.authorization).toBe(`Bearer ${moduleToken}`);
    expect(forUser.headers[onBehalfOfHeader]).toBe(user);
    expect((await fetch(`${server.url}${call.target}`, { headers: forUser.headers })).status).toBe(200);
    // A client cannot borrow the header: it counts only beside a module's own token.
    expect((await fetch(`${server.url}${call.target}`, { headers: { [onBehalfOfHeader]: user } })).status).toBe(401);
  });

  it("proves a module with its own secret (<MODULE>_CLIENT_SECRET), never with another module's", async () => {
    // The identity host derives every module's secret from its key; these hosts hold another key, so only the
    // configured secret can work.
    const centralKey = testConfig().identity.moduleClientKey as Uint8Array;
    const otherKey = randomBytes(32).toString('base64');
    const hostWith = async (secret: string | undefined) => {
      const database = await (testDatabase as (typeof testDatabases)[number]).open();
      const env: Record<string, string> = { MODULES: 'catalog', REMOTE_MODULES: `identity=${server.url}`, MODULE_CLIENT_KEY: otherKey };
      if (secret !== undefined) env.CATALOG_CLIENT_SECRET = secret;
      const host = await startTestHost({ database, modules: [catalogModule, identityModule], env });
      return { host, close: async () => (await host.stop(), await database.close()) };
    };
    const call = { method: 'GET', target: '/ops/dead-letters', headers: { 'x-cleave-caller': 'catalog' } };
    const own = await hostWith(moduleClientSecret(centralKey, 'catalog'));
    const derived = await hostWith(undefined);
    const borrowed = await hostWith(moduleClientSecret(centralKey, 'inventory'));
    try {
      const token = (await own.host.security.withCredentials(call)).headers.authorization?.replace(/^Bearer /, '') ?? '';
      expect(await central.security.verifier?.verify(token)).toMatchObject({ kind: 'module', module: 'catalog' });
      // Derived from a key identity does not hold, or another module's secret: identity refuses, and the call is not
      // sent (it would go without the module's identity): a 503 naming the refusal.
      for (const refused of [derived, borrowed]) {
        await expect(refused.host.security.withCredentials(call)).rejects.toMatchObject({
          kind: 'unavailable',
          code: 'http/upstream-unavailable',
          message: expect.stringMatching(/No access token for module catalog: identity answered the token request with 401/),
        });
      }
    } finally {
      await Promise.all([own.close(), derived.close(), borrowed.close()]);
    }
  });
});
