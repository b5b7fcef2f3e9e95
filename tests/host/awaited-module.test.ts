import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { inventoryModule } from '../../modules/inventory/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { redisUrl } from '../support/databases.ts';
import { redisPrefix } from '../support/process-host.ts';
import { call, eventually, startTestHost } from '../support/test-host.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';
import { openTestPglite } from '../support/pglite-image.ts';

if (!redisUrl) process.stdout.write('\n  Awaited module: TEST_REDIS_URL is not set; SKIPPED.\n');

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// The extraction of docs/operations/extract-a-module.md on a fresh Redis: the monolith starts first, with consumers of
// its own (so the subscription table exists) and inventory named in REMOTE_MODULES; inventory's host starts later.
describe.skipIf(!redisUrl)('a module the topology runs elsewhere, started after the monolith', { timeout: processTestTimeoutMs }, () => {
  it('gets the events published before it started: they wait in the outbox until it registers', async () => {
    const database = await openTestPglite();
    cleanups.push(() => database.close());
    // Backoffs far longer than the test waits: the held event must go out when inventory registers, not when its
    // backoff ends.
    const shared = {
      REDIS_URL: redisUrl as string,
      REDIS_PREFIX: redisPrefix(),
      EVENT_BUS: 'bullmq',
      REGISTRY: 'false',
      EVENT_SUBSCRIPTION_REFRESH_MS: '100',
      EVENT_RETRY_BASE_MS: '60000',
      EVENT_RETRY_MAX_MS: '120000',
    };
    const start = async (local: string[], remote: string): Promise<Host> => {
      const host = await startTestHost({ database, modules, env: { ...shared, MODULES: local.join(','), REMOTE_MODULES: remote } });
      cleanups.push(() => host.stop());
      return host;
    };
    // Nothing listens there: the monolith only needs to know inventory runs elsewhere.
    const monolith = await start(
      modules.map((m) => m.name).filter((name) => name !== inventoryModule.name),
      'inventory=http://127.0.0.1:9',
    );
    // Named from the start, before any event is held, and only by the module whose events inventory consumes.
    const routing = async () => {
      const ready = (await (await call(monolith, 'GET', '/health/ready')).json()) as {
        status: string;
        checks: { module: string; name: string; status: string; detail?: string }[];
      };
      return { status: ready.status, warned: ready.checks.filter((c) => c.name === 'event-routing' && c.status === 'warn') };
    };
    const before = await routing();
    expect(before.status).toBe('warn');
    expect(before.warned.map((c) => c.module)).toEqual(['catalog']);
    expect(before.warned[0]?.detail).toContain('events for inventory (hosted elsewhere) wait in the outbox');
    const created = await call(monolith, 'POST', '/catalog/v1/products', {
      sku: `AW-${randomUUID().slice(0, 8)}`,
      name: 'Lamp',
      price: { amount: 100, currency: 'EUR' },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await routing()).warned.map((c) => c.module)).toEqual(['catalog']);

    const inventory = await start([inventoryModule.name, 'identity'], 'catalog=http://127.0.0.1:9');
    const stock = await eventually(async () => {
      const response = await call(inventory, 'GET', `/inventory/v1/stock/${id}`);
      expect(response.status).toBe(200);
      return (await response.json()) as { onHand: number };
    }, 30_000);
    expect(stock.onHand).toBe(0);
    await eventually(async () => expect((await routing()).warned).toEqual([]), 20_000);
  });
});
