import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalogModule } from '../../modules/catalog/index.ts';
import { inventoryModule } from '../../modules/inventory/index.ts';
import { eventTables } from '../../platform/events/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { busKinds } from '../support/buses/bus-kinds.ts';
import { newKey, openWorld, type World } from '../support/buses/world.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { probeModule, readEffects, type ProbeControls } from '../support/probe/module.ts';
import { call, eventually, startTestHost, testLogger } from '../support/test-host.ts';
import { redisPrefix } from '../support/redis-keys.ts';

const log = testLogger();
const outbox = eventTables('catalog').outbox;

describe.each(testDatabases)('event versions on $name', (testDatabase) => {
  describe('in the application', () => {
    let database: TestDatabaseHandle;
    let host: Host;
    const controls: ProbeControls = { failuresLeft: 0, attempts: [] };
    beforeAll(async () => {
      database = await testDatabase.open();
      host = await startTestHost({ database, modules: [catalogModule, inventoryModule, probeModule(controls)] });
    });
    afterAll(async () => {
      await host.stop();
      await database.close();
    });

    it('serves a consumer still on v1 the converted event while inventory reads v2, both under one event id', async () => {
      const created = await call(host, 'POST', '/catalog/v1/products', { sku: 'VER-1', name: 'Versioned', price: { amount: 1234, currency: 'EUR' } });
      const { id } = (await created.json()) as { id: string };
      await eventually(async () => expect((await call(host, 'GET', `/inventory/v1/stock/${id}`)).status).toBe(200));
      // The probe consumes catalog.product-created v1: it gets the v1 shape, converted by catalog from what it wrote.
      const [effect] = await eventually(async () => {
        const rows = await readEffects(database.db);
        expect(rows).toHaveLength(1);
        return rows;
      });
      expect(effect).toMatchObject({ productId: id, sku: 'VER-1' });
      // The outbox holds the event once, as written (v2); the id the probe saw is that row's.
      const [row] = await database.db.select({ id: outbox.id, version: outbox.version }).from(outbox).where(eq(outbox.aggregateKey, id));
      expect(row).toEqual({ id: effect?.eventId, version: 2 });
    });

    it("keeps inventory's SKU the product's after catalog changes it (catalog.product-updated)", async () => {
      const created = await call(host, 'POST', '/catalog/v1/products', { sku: 'OLD-SKU', name: 'Renamed', price: { amount: 1, currency: 'EUR' } });
      const { id } = (await created.json()) as { id: string };
      await eventually(async () => expect((await call(host, 'GET', `/inventory/v1/stock/${id}`)).status).toBe(200));
      const patched = await call(host, 'PATCH', `/catalog/v1/products/${id}`, { sku: 'NEW-SKU' }, { 'if-match': '"v1"' });
      expect(patched.status).toBe(200);
      await eventually(async () => expect(((await (await call(host, 'GET', `/inventory/v1/stock/${id}`)).json()) as { sku: string }).sku).toBe('NEW-SKU'));
    });
  });

  describe.each(busKinds)('a consumer moving from v1 to v2, on the $name bus', (kind) => {
    let database: TestDatabaseHandle;
    let world: World;
    let namespace = '';
    beforeAll(async () => {
      database = await testDatabase.open();
      world = await openWorld(database, log);
    });
    beforeEach(() => {
      namespace = `cleave-${redisPrefix()}`;
    });
    afterEach(async () => {
      await world.reset();
      await kind.cleanUp(namespace);
    });
    afterAll(() => database.close());

    it('handles each event once, though both versions reach it while old and new replicas run side by side', async () => {
      const bus = () => kind.create({ log, maxAttempts: 3, namespace, deadLetters: world.deadLetters });
      const old = world.startProcess(bus(), { relay: true, consume: true, version: 1, name: 'old' });
      await old.ready;
      const fresh = world.startProcess(bus(), { relay: !kind.queues, consume: true, version: 2, name: 'new' });
      await fresh.ready;
      const written = [];
      for (let i = 0; i < 6; i++) written.push(await world.writeV2(newKey(), `MOVE-${i}`));
      await eventually(async () => expect(await world.effects()).toHaveLength(6), 20_000);
      // Every event went out as v2 and, converted, as v1 (one event id): whichever came second was a duplicate or
      // was recognised as the version the consumer moved on from.
      await new Promise((r) => setTimeout(r, 300));
      const effects = await world.effects();
      expect(effects.map((e) => e.eventId).sort()).toEqual(written.map((e) => e.id).sort());
      expect(await world.deadLetters.list()).toHaveLength(0);
    });
  });
});
