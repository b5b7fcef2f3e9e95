import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { eventTables } from '../../platform/events/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { parseExposition, valueOf, type Sample } from '../support/prometheus-text.ts';
import { call, eventually, startTestHost } from '../support/test-host.ts';

describe.each(testDatabases)('event pipeline gauges on $name', (testDatabase) => {
  let database: TestDatabaseHandle | undefined;
  let host: Host | undefined;

  afterEach(async () => {
    await host?.stop();
    await database?.close();
    host = database = undefined;
  });

  const scrape = async (h: Host): Promise<Sample[]> => {
    const response = await call(h, 'GET', '/metrics');
    expect(response.status).toBe(200);
    return parseExposition(await response.text());
  };
  /** A `catalog.product-created` v2 envelope with `payload`. */
  const productCreated = (payload: unknown) => ({
    id: randomUUID(),
    name: 'catalog.product-created',
    version: 2,
    occurredAt: new Date().toISOString(),
    key: randomUUID(),
    correlationId: randomUUID(),
    causationId: null,
    traceparent: null,
    payload,
  });
  const createProduct = (h: Host) =>
    call(h, 'POST', '/catalog/v1/products', { sku: `EVT-${randomUUID().slice(0, 8)}`, name: 'Queued mug', price: { amount: 500, currency: 'EUR' } });

  it('outbox depth and the age of the oldest undispatched row grow while no relay runs', async () => {
    database = await testDatabase.open();
    const h = (host = await startTestHost({ database, startRelays: false }));
    expect((await createProduct(h)).status).toBe(201);
    expect((await createProduct(h)).status).toBe(201);
    await eventually(async () => {
      const samples = await scrape(h);
      expect(valueOf(samples, 'cleave_outbox_pending_events', { module: 'catalog' })).toBeGreaterThanOrEqual(2);
      expect(valueOf(samples, 'cleave_outbox_oldest_pending_age_seconds', { module: 'catalog' })).toBeGreaterThan(0.5);
      expect(valueOf(samples, 'cleave_outbox_pending_events', { module: 'inventory' })).toBe(0);
    }, 30_000);
  });

  it('a delivery that cannot succeed is counted as failed, dead-lettered, and pending by consumer', async () => {
    database = await testDatabase.open();
    const h = (host = await startTestHost({ database }));
    const consumer = 'inventory:create-stock-item';
    // A payload that does not match the event's schema: dead-lettered at once, without retries.
    await h.bus.publish(productCreated({ unexpected: true }));
    await eventually(async () => {
      const samples = await scrape(h);
      expect(valueOf(samples, 'cleave_event_deliveries_total', { consumer, outcome: 'failed' })).toBe(1);
      expect(valueOf(samples, 'cleave_event_dead_lettered_total', { consumer })).toBe(1);
      expect(valueOf(samples, 'cleave_event_retries_total', { consumer })).toBe(0);
      expect(valueOf(samples, 'cleave_event_dead_letters_pending', { module: 'inventory', consumer })).toBe(1);
    }, 30_000);
    // An operator's replay is a delivery attempt too: it fails again here, and is counted so.
    const [letter] = await (h.modules.find((m) => m.definition.name === 'inventory')?.deadLetters.list({ pendingOnly: true }) ?? []);
    expect((await call(h, 'POST', `/ops/dead-letters/${letter?.id}/replay`)).status).toBe(409);
    expect(valueOf(await scrape(h), 'cleave_event_deliveries_total', { consumer, outcome: 'failed' })).toBe(2);
  });

  it('a letter for a consumer that runs nowhere counts as pending until it is discarded, then reads 0', async () => {
    database = await testDatabase.open();
    const h = (host = await startTestHost({ database }));
    const inventory = h.modules.find((m) => m.definition.name === 'inventory');
    const consumer = 'inventory:retired-handler';
    await inventory?.deadLetters.record(consumer, productCreated({}), new Error('no such consumer'), 1);
    await eventually(async () => expect(valueOf(await scrape(h), 'cleave_event_dead_letters_pending', { module: 'inventory', consumer })).toBe(1), 30_000);
    const [letter] = await (inventory?.deadLetters.list({ pendingOnly: true }) ?? []);
    expect((await call(h, 'POST', `/ops/dead-letters/${letter?.id}/discard`, { reason: 'handler retired' })).status).toBe(200);
    // Without the reset of consumers seen before, the gauge kept 1 and the dead-letter alert never cleared.
    await eventually(async () => expect(valueOf(await scrape(h), 'cleave_event_dead_letters_pending', { module: 'inventory', consumer })).toBe(0), 30_000);
  });

  it('a letter whose event its consumer handled since (a redrive) no longer counts as pending', async () => {
    database = await testDatabase.open();
    const h = (host = await startTestHost({ database }));
    const inventory = h.modules.find((m) => m.definition.name === 'inventory');
    const consumer = 'inventory:create-stock-item';
    const envelope = productCreated({});
    await inventory?.deadLetters.record(consumer, envelope, new Error('failed then'), 3);
    await eventually(async () => expect(valueOf(await scrape(h), 'cleave_event_dead_letters_pending', { module: 'inventory', consumer })).toBe(1), 30_000);
    // What a redrive's delivery leaves: the event in the consumer's inbox. Nobody lists the letters meanwhile.
    await inventory?.context.db.insert(eventTables('inventory').inbox).values({ eventId: envelope.id, consumer });
    // Else the gauge kept 1, and the dead-letter alert fired on, for an event that was handled.
    await eventually(async () => expect(valueOf(await scrape(h), 'cleave_event_dead_letters_pending', { module: 'inventory', consumer })).toBe(0), 30_000);
  });
});
