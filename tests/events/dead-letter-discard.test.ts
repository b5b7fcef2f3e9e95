import { afterEach, describe, expect, it } from 'vitest';
import { catalogModule } from '../../modules/catalog/index.ts';
import { inventoryModule } from '../../modules/inventory/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { redisUrl } from '../support/databases.ts';
import { openTestPglite } from '../support/pglite-image.ts';
import { probeModule, readEffects, type ProbeControls } from '../support/probe/module.ts';
import { deleteNamespace, redisPrefix } from '../support/redis-keys.ts';
import { call, eventually, startTestHost } from '../support/test-host.ts';

type Letters = { items: { id: string; consumer: string; eventId: string }[] };
type Audit = { missingCount: number; missing: { eventId: string; consumer: string }[] };

describe.skipIf(!redisUrl)('a discarded dead letter on the BullMQ bus', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('the broker forgets the delivery: the audit counts it missing, and a redrive delivers it, once', async () => {
    const controls: ProbeControls = { failuresLeft: Number.POSITIVE_INFINITY, attempts: [] };
    const database = await openTestPglite();
    cleanups.push(() => database.close());
    const prefix = redisPrefix();
    cleanups.push(() => deleteNamespace(redisUrl as string, prefix));
    const host: Host = await startTestHost({
      database,
      modules: [catalogModule, inventoryModule, probeModule(controls)],
      env: { REDIS_URL: redisUrl as string, REDIS_PREFIX: prefix, EVENT_BUS: 'bullmq', EVENT_MAX_ATTEMPTS: '2' },
    });
    cleanups.push(() => host.stop());
    const since = new Date(Date.now() - 60_000).toISOString();
    const window = `module=catalog&since=${encodeURIComponent(since)}&consumer=probe:record`;
    const audit = async () => (await (await call(host, 'GET', `/ops/events/audit?${window}`)).json()) as Audit;

    expect((await call(host, 'POST', '/catalog/v1/products', { sku: 'DISCARD-1', name: 'Discarded', price: { amount: 100, currency: 'EUR' } })).status).toBe(
      201,
    );
    const letter = await eventually(async () => {
      const { items } = (await (await call(host, 'GET', '/ops/dead-letters')).json()) as Letters;
      expect(items).toHaveLength(1);
      return items[0] as Letters['items'][number];
    }, 60_000);
    // Dead-lettered, its failed job still in the broker: not missing.
    expect(await audit()).toMatchObject({ missingCount: 0 });

    const discarded = await call(host, 'POST', `/ops/dead-letters/${letter.id}/discard`, { reason: 'the stock was fixed by hand; send it again later' });
    expect(discarded.status).toBe(200);
    // The broker forgot it: the consumer never handled the event, and the audit says so.
    const after = await audit();
    expect(after).toMatchObject({ missingCount: 1 });
    expect(after.missing[0]).toMatchObject({ eventId: letter.eventId, consumer: 'probe:record' });

    // Fixed, the event sent again: delivered, once. (Before, the failed job kept its id and BullMQ ignored the redrive.)
    controls.failuresLeft = 0;
    const redrive = await call(host, 'POST', '/ops/events/redrive', { module: 'catalog', since, consumer: 'probe:record' });
    expect(await redrive.json()).toMatchObject({ mode: 'missing', republished: 1 });
    await eventually(async () => expect(await readEffects(database.db)).toHaveLength(1), 60_000);
    expect(await audit()).toMatchObject({ missingCount: 0 });
    expect((await readEffects(database.db))[0]).toMatchObject({ eventId: letter.eventId });
  });
});
