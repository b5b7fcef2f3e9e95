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
      config: testConfig({ DATA_DIR: 'memory', REMOTE_MODULES: `catalog=${backend.url},inventory=${backend.url}` }),
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
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/catalog/v1/products', '/inventory/v1/stock/{productId}']));
    expect(await (await call(gateway, 'GET', '/health/ready')).json()).toEqual({ status: 'pass', checks: [] });
  });
});
