import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { createHost, type Host } from '../../platform/host/index.ts';
import { startProcessHost, type ProcessHost } from '../support/process-host.ts';
import { call, testConfig, testLogger } from '../support/test-host.ts';

describe('a host with no local modules', () => {
  let backend: ProcessHost;
  let gateway: Host;

  beforeAll(async () => {
    backend = await startProcessHost();
    gateway = await createHost({
      config: testConfig({ DATA_DIR: 'memory', REMOTE_MODULES: modules.map((m) => `${m.name}=${backend.url}`).join(',') }),
      modules,
      logger: testLogger(),
    });
  });
  afterAll(async () => {
    await gateway.stop();
    await backend.stop();
  });

  it('is a pure gateway: it hosts nothing, forwards every module and still serves the merged contract', async () => {
    expect(gateway.modules).toEqual([]);
    const created = await call(gateway, 'POST', '/catalog/v1/products', { sku: 'GW-1', name: 'Through the gateway', price: { amount: 5, currency: 'EUR' } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await call(gateway, 'GET', `/catalog/v1/products/${id}`)).status).toBe(200);
    const doc = (await (await call(gateway, 'GET', '/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/catalog/v1/products', '/inventory/v1/stock/{productId}', '/ordering/v1/carts']));
    expect(await (await call(gateway, 'GET', '/health/ready')).json()).toEqual({ status: 'pass', checks: [] });
  });

  it("forwards a remote module's well-known URIs and its form-encoded operations", async () => {
    const direct = await (await fetch(`${backend.url}/.well-known/jwks.json`)).json();
    const forwarded = await call(gateway, 'GET', '/.well-known/jwks.json');
    expect(forwarded.status).toBe(200);
    expect(await forwarded.json()).toEqual(direct);
    expect((await call(gateway, 'GET', '/.well-known/oauth-authorization-server')).status).toBe(200);
    const token = await gateway.app.request('/identity/v1/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=nobody&client_secret=x',
    });
    expect(token.status).toBe(401);
    expect(await token.json()).toMatchObject({ error: 'invalid_client', code: 'identity/invalid-client' });
  });
});
