import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { catalogContract } from '../../modules/catalog/index.ts';
import { createHost, serve, type Host } from '../../platform/host/index.ts';
import { redisUrl } from '../support/databases.ts';
import { freePort, redisPrefix } from '../support/process-host.ts';
import { parseExposition, valueOf, type Sample } from '../support/prometheus-text.ts';
import { asAdmin, call, eventually, testConfig, testLogger } from '../support/test-host.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Hosts in one system: events between them need the BullMQ bus, so Redis (TEST_REDIS_URL). */
const prefix = redisPrefix();

async function host(env: Record<string, string>): Promise<Host> {
  const h = await createHost({
    config: testConfig({ DATA_DIR: 'memory', REDIS_URL: redisUrl as string, REDIS_PREFIX: prefix, REGISTRY: 'false', ...env }),
    modules,
    logger: testLogger(),
  });
  cleanups.push(() => h.stop());
  return h;
}

async function scrape(h: Host): Promise<Sample[]> {
  const response = await call(h, 'GET', '/metrics');
  expect(response.status).toBe(200);
  return parseExposition(await response.text());
}

describe.skipIf(!redisUrl)('metrics of calls to a module in another process (needs TEST_REDIS_URL)', () => {
  it('counts them with transport http, shows the breaker closed, then retries and the breaker open once the provider is unreachable', async () => {
    const provider = await host({ MODULES: 'catalog,identity' });
    const server = await serve(provider, { host: '127.0.0.1', port: 0 });
    cleanups.push(() => server.close());
    const caller = await host({ MODULES: 'inventory', REMOTE_MODULES: `catalog=${server.url},identity=${server.url}` });
    const created = await call(caller, 'POST', '/catalog/v1/products', {
      sku: `REM-${randomUUID().slice(0, 8)}`,
      name: 'Remote mug',
      price: { amount: 800, currency: 'EUR' },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const inventory = caller.modules.find((m) => m.definition.name === 'inventory');
    if (!inventory) throw new Error('inventory not hosted');
    const catalog = inventory.context.client(catalogContract);
    await asAdmin(caller, () => catalog.getProduct({ params: { id } }));
    await expect(asAdmin(caller, () => catalog.getProduct({ params: { id: randomUUID() } }))).rejects.toMatchObject({ code: 'catalog/product-not-found' });

    const labels = { caller: 'inventory', provider: 'catalog', transport: 'http' };
    const samples = await scrape(caller);
    expect(valueOf(samples, 'cleave_module_calls_total', { ...labels, outcome: 'ok' })).toBe(1);
    expect(valueOf(samples, 'cleave_module_call_errors_total', { ...labels, problem: 'catalog/product-not-found' })).toBe(1);
    expect(valueOf(samples, 'cleave_module_call_duration_seconds_count', labels)).toBe(2);
    expect(valueOf(samples, 'cleave_remote_breaker_state', { module: 'catalog', state: 'closed' })).toBe(1);
    expect(valueOf(samples, 'cleave_remote_breaker_state', { module: 'catalog', state: 'open' })).toBe(0);
    expect(valueOf(samples, 'cleave_bulkhead_capacity_calls', { provider: 'catalog', transport: 'http' })).toBeGreaterThan(0);
    // The gateway forwarded the product's creation: counted here as forwarded, by the provider as its operation.
    expect(valueOf(samples, 'cleave_http_requests_total', { module: 'catalog', operation: '(forwarded)', status: '201' })).toBe(1);
    // The BullMQ bus: the queues of the modules consuming here, by state.
    expect(samples.some((s) => s.name === 'cleave_bullmq_jobs' && s.labels.module === 'inventory' && s.labels.state === 'waiting')).toBe(true);
    const served = await scrape(provider);
    expect(valueOf(served, 'cleave_http_requests_total', { module: 'catalog', operation: 'POST /catalog/v1/products', status: '201' })).toBe(1);

    // The provider goes away: calls fail, and after REMOTE_BREAKER_FAILURES of them the breaker opens.
    const gone = `http://127.0.0.1:${await freePort()}`;
    const stranded = await host({
      MODULES: 'inventory,identity',
      REMOTE_MODULES: `catalog=${gone}`,
      REDIS_PREFIX: redisPrefix(),
      REMOTE_RETRIES: '1',
      REMOTE_BREAKER_FAILURES: '2',
      REMOTE_BREAKER_RESET_MS: '60000',
    });
    const unreachable = stranded.modules.find((m) => m.definition.name === 'inventory')?.context.client(catalogContract);
    for (let i = 0; i < 3; i++) await expect(asAdmin(stranded, () => (unreachable as typeof catalog).getProduct({ params: { id } }))).rejects.toThrow();
    await eventually(async () => {
      const after = await scrape(stranded);
      expect(valueOf(after, 'cleave_remote_breaker_state', { module: 'catalog', state: 'open' })).toBe(1);
      expect(valueOf(after, 'cleave_module_calls_total', { ...labels, outcome: 'error' })).toBe(3);
      expect(valueOf(after, 'cleave_module_call_errors_total', { ...labels, problem: 'http/circuit-open' })).toBeGreaterThanOrEqual(1);
      // A read is idempotent: the transport tried it again after the refused connection.
      expect(valueOf(after, 'cleave_remote_retries_total', { module: 'catalog' })).toBeGreaterThanOrEqual(1);
    }, 30_000);
  });
});
