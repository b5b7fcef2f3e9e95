import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalogModule } from '../../modules/catalog/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { probeModule, readEffects, type ProbeControls } from '../support/probe/module.ts';
import { call, eventually, startTestHost } from '../support/test-host.ts';

describe.each(testDatabases)('relay on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  const hosts: Host[] = [];
  beforeEach(async () => {
    database = await testDatabase.open();
  });
  afterEach(async () => {
    for (const host of hosts.splice(0)) await host.stop();
    await database.close();
  });

  it('delivers the events of one aggregate in order: created before archived, every time', async () => {
    // Both events of each product wait in the outbox together, as after an outage, so the relay sees them at once.
    const writer = await startTestHost({ database, startRelays: false });
    hosts.push(writer);
    const ids: string[] = [];
    for (let i = 0; i < 15; i++) {
      const created = await call(writer, 'POST', '/catalog/v1/products', { sku: `ORD-${i}`, name: 'Ordered', price: { amount: 1, currency: 'EUR' } });
      const { id } = (await created.json()) as { id: string };
      expect((await call(writer, 'POST', `/catalog/v1/products/${id}/archive`)).status).toBe(200);
      ids.push(id);
    }
    const host = await startTestHost({ database });
    hosts.push(host);
    // Were an archive handled before its create, that stock item would end up active.
    await eventually(async () => {
      const states = await Promise.all(
        ids.map(async (id) => ((await (await call(host, 'GET', `/inventory/v1/stock/${id}`)).json()) as { active?: boolean }).active),
      );
      expect(states).toEqual(ids.map(() => false));
    }, 10_000);
  });

  it('two relays on one database hand each event to the bus once', async () => {
    const controls: ProbeControls = { failuresLeft: 0, attempts: [] };
    const modules = [catalogModule, probeModule(controls)];
    const writer = await startTestHost({ database, modules, startRelays: false });
    hosts.push(writer);
    for (let i = 0; i < 20; i++) {
      expect((await call(writer, 'POST', '/catalog/v1/products', { sku: `TWO-${i}`, name: 'Twice?', price: { amount: 1, currency: 'EUR' } })).status).toBe(201);
    }
    // Two processes' relays race for the same twenty outbox rows.
    hosts.push(await startTestHost({ database, modules }), await startTestHost({ database, modules }));
    await eventually(async () => expect(await readEffects(database.db)).toHaveLength(20), 10_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(controls.attempts).toHaveLength(20);
    expect(new Set(controls.attempts).size).toBe(20);
  });
});
