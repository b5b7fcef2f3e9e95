import { afterEach, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import type { DatabaseHandle } from '../../platform/db/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { createRegistry } from '../../platform/registry/index.ts';
import { redisUrl } from '../support/databases.ts';
import { openTestPglite } from '../support/pglite-image.ts';
import { redisPrefix } from '../support/process-host.ts';
import { call, startTestHost, testLogger } from '../support/test-host.ts';

const consumer = 'inventory:create-stock-item';
const removal = `/ops/events/subscriptions?event=catalog.product-created&version=2&consumer=${consumer}`;

type Problem = { code: string; detail: string; runningOn: string[] };
type Subscriptions = { items: { consumer: string; event: string; version: number }[] };

describe.skipIf(!redisUrl)('removing a durable subscription (BullMQ)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function host(names: string[], env: Record<string, string>): Promise<Host> {
    const database: DatabaseHandle = await openTestPglite();
    cleanups.push(() => database.close());
    const started = await startTestHost({ database, modules, env: { ...env, MODULES: [...names, 'identity'].join(',') } });
    cleanups.push(() => started.stop());
    return started;
  }

  it('is refused while this host or a live instance runs the consumer, and done once none does', async () => {
    const prefix = redisPrefix();
    const shared = { REDIS_URL: redisUrl as string, REDIS_PREFIX: prefix, EVENT_BUS: 'bullmq' };
    const consumerHost = await host(['catalog', 'inventory'], shared);
    await consumerHost.announce('http://127.0.0.1:3998');
    const publisher = await host(['catalog'], { ...shared, REMOTE_MODULES: 'inventory=discover' });

    const registered = (await (await call(publisher, 'GET', '/ops/events/subscriptions')).json()) as Subscriptions;
    expect(registered.items).toContainEqual(expect.objectContaining({ consumer, event: 'catalog.product-created', version: 2 }));
    const catalog = (await (await call(publisher, 'GET', '/registry')).json()) as { registry: { instances: { module: string; consumers: string[] | null }[] } };
    expect(catalog.registry.instances.find((i) => i.module === 'inventory')?.consumers).toContain(consumer);

    // On the host that runs it.
    const here = await call(consumerHost, 'DELETE', removal);
    expect(here.status).toBe(409);
    const refusedHere = (await here.json()) as Problem;
    expect(refusedHere.code).toBe('events/consumer-running');
    expect(refusedHere.runningOn).toEqual(['this host']);

    // On another host: the registry says where it runs.
    const elsewhere = await call(publisher, 'DELETE', removal);
    expect(elsewhere.status).toBe(409);
    const refused = (await elsewhere.json()) as Problem;
    expect(refused.runningOn).toEqual([expect.stringMatching(/^instance [0-9a-f-]{36} at http:\/\/127\.0\.0\.1:3998$/)]);
    expect(refused.detail).toContain(`${consumer} still runs on instance`);
    const kept = (await (await call(publisher, 'GET', '/ops/events/subscriptions')).json()) as Subscriptions;
    expect(kept.items.map((s) => s.consumer)).toContain(consumer);

    // Stopped (it leaves the registry): nothing runs the consumer any more.
    await consumerHost.stop();
    // An instance that does not list its consumers (a host older than that field) might run it.
    const older = createRegistry({ redisUrl: redisUrl as string, log: testLogger(), heartbeatMs: 5000, ttlMs: 60_000, prefix: `${prefix}:registry` });
    await older.announce([{ module: 'inventory', version: '1.0.0', contractHash: 'x' }], 'http://127.0.0.1:3997', async () => 'pass');
    const unsure = await call(publisher, 'DELETE', removal);
    expect(unsure.status).toBe(409);
    expect(((await unsure.json()) as Problem).runningOn).toEqual([
      expect.stringContaining('at http://127.0.0.1:3997 (an older host that does not list its consumers)'),
    ]);
    await older.close();

    const removed = await call(publisher, 'DELETE', removal);
    expect(removed.status).toBe(200);
    const left = (await (await call(publisher, 'GET', '/ops/events/subscriptions')).json()) as Subscriptions;
    expect(left.items.map((s) => s.consumer)).not.toContain(consumer);
    expect((await call(publisher, 'DELETE', removal)).status).toBe(404);
  });
});
