import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalogModule, productCreatedV1 } from '../../modules/catalog/index.ts';
import { inventoryModule } from '../../modules/inventory/index.ts';
import type { DatabaseHandle } from '../../platform/db/index.ts';
import { eventTables, publishedVersions, type EventEnvelope } from '../../platform/events/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases } from '../support/databases.ts';
import { probeModule, readEffects, type ProbeControls } from '../support/probe/module.ts';
import { parseExposition, valueOf } from '../support/prometheus-text.ts';
import { lockTable } from '../support/table-lock.ts';
import { call, eventually, startTestHost } from '../support/test-host.ts';

const catalogOutbox = eventTables('catalog').outbox;
const newProduct = (sku: string) => ({ sku, name: `Product ${sku}`, price: { amount: 1000, currency: 'EUR' } });

describe.each(testDatabases)('events on $name', (testDatabase) => {
  let database: DatabaseHandle;
  let controls: ProbeControls;
  const hosts: Host[] = [];
  const start = async (options: { startRelays?: boolean; env?: Record<string, string> } = {}) => {
    const host = await startTestHost({ database, modules: [catalogModule, inventoryModule, probeModule(controls)], ...options });
    hosts.push(host);
    return host;
  };

  beforeEach(async () => {
    database = await testDatabase.open();
    controls = { failuresLeft: 0, attempts: [] };
  });
  afterEach(async () => {
    for (const host of hosts.splice(0)) await host.stop();
    await database.close();
  });

  it('a rolled-back transaction publishes nothing', async () => {
    const host = await start();
    const catalog = host.modules.find((m) => m.definition.name === 'catalog')?.context;
    if (!catalog) throw new Error('catalog not hosted');
    const payload = { productId: '01900000-0000-7000-8000-000000000001', sku: 'RB-1', name: 'Rolled back', price: { amount: 1, currency: 'EUR' } };
    await expect(
      catalog.transaction(async (tx) => {
        await catalog.outbox.publish(tx, productCreatedV1, payload);
        throw new Error('business rule failed after publishing');
      }),
    ).rejects.toThrow('business rule failed');
    // Give the relay several sweeps to find anything it could.
    await new Promise((r) => setTimeout(r, 200));
    expect(await database.db.select().from(catalogOutbox)).toHaveLength(0);
    expect(await readEffects(database.db)).toHaveLength(0);
    expect(controls.attempts).toHaveLength(0);
  });

  it('an event committed before a crash is delivered exactly once after restart', async () => {
    const crashed = await start({ startRelays: false });
    const created = await call(crashed, 'POST', '/catalog/v1/products', newProduct('CRASH-1'));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await crashed.stop();
    const [pending] = await database.db.select().from(catalogOutbox);
    expect(pending?.dispatchedAt).toBeNull();
    expect(await readEffects(database.db)).toHaveLength(0);

    const restarted = await start();
    const effects = await eventually(async () => {
      const rows = await readEffects(database.db);
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(effects[0]?.productId).toBe(id);
    await eventually(async () => expect((await call(restarted, 'GET', `/inventory/v1/stock/${id}`)).status).toBe(200));
    await eventually(async () => expect((await database.db.select().from(catalogOutbox))[0]?.dispatchedAt).not.toBeNull());
    expect(await readEffects(database.db)).toHaveLength(1);
  });

  it('a duplicate delivery makes one effect', async () => {
    const host = await start();
    expect((await call(host, 'POST', '/catalog/v1/products', newProduct('DUP-1'))).status).toBe(201);
    await eventually(async () => expect(await readEffects(database.db)).toHaveLength(1));
    const [row] = await database.db.select().from(catalogOutbox);
    const envelope = row?.envelope as EventEnvelope;
    // The bus hands the same event over twice more, as a re-dispatch after a crash would: in every version the
    // relay publishes (the outbox holds v2; the probe takes v1, which the bus delivers to v1 consumers only).
    for (let i = 0; i < 2; i++) for (const version of publishedVersions(envelope, catalogModule.contract.events)) await host.bus.publish(version);
    expect(await readEffects(database.db)).toHaveLength(1);
    expect(controls.attempts).toEqual([envelope.id]);
    // Delivered both times, and dropped by the inbox before the handler ran.
    const samples = parseExposition(await (await call(host, 'GET', '/metrics')).text());
    expect(valueOf(samples, 'cleave_event_deliveries_total', { consumer: 'probe:record', outcome: 'duplicate' })).toBe(2);
    expect(valueOf(samples, 'cleave_event_deliveries_total', { consumer: 'probe:record', outcome: 'handled' })).toBe(1);
  });

  it('a failing handler is retried with backoff and succeeds without a dead letter', async () => {
    controls.failuresLeft = 2;
    const host = await start({ env: { EVENT_MAX_ATTEMPTS: '5' } });
    expect((await call(host, 'POST', '/catalog/v1/products', newProduct('RETRY-1'))).status).toBe(201);
    const [effect] = await eventually(async () => {
      const rows = await readEffects(database.db);
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(effect?.attempt).toBe(3);
    const letters = (await (await call(host, 'GET', '/ops/dead-letters')).json()) as { items: unknown[] };
    expect(letters.items).toHaveLength(0);
    // A module hosted elsewhere (or no module at all) is not "no dead letters": its host keeps them.
    const elsewhere = await call(host, 'GET', '/ops/dead-letters?module=inventory-elsewhere');
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ code: 'events/module-not-hosted', module: 'inventory-elsewhere' });
    const empty = await call(host, 'GET', '/ops/dead-letters?module=');
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ code: 'http/validation-failed', errors: [expect.objectContaining({ path: 'module' })] });
  });

  it('a handler that keeps failing is dead-lettered, listed, and replayed once fixed', async () => {
    controls.failuresLeft = Number.POSITIVE_INFINITY;
    const host = await start({ env: { EVENT_MAX_ATTEMPTS: '3' } });
    expect((await call(host, 'POST', '/catalog/v1/products', newProduct('DLQ-1'))).status).toBe(201);

    type Letters = { items: { id: string; consumer: string; attempts: number; eventName: string; error: string }[] };
    const listed = await eventually(async () => {
      const body = (await (await call(host, 'GET', '/ops/dead-letters')).json()) as Letters;
      expect(body.items).toHaveLength(1);
      return body.items[0];
    });
    expect(listed).toMatchObject({ consumer: 'probe:record', attempts: 3, eventName: 'catalog.product-created' });
    expect(listed?.error).toContain('probe told to fail');
    expect(controls.attempts).toHaveLength(3);
    expect(await readEffects(database.db)).toHaveLength(0);
    // Other consumers of the same event are unaffected.
    const [row] = await database.db.select().from(catalogOutbox);
    const productId = (row?.envelope.payload as { productId: string }).productId;
    expect((await call(host, 'GET', `/inventory/v1/stock/${productId}`)).status).toBe(200);

    const stillBroken = await call(host, 'POST', `/ops/dead-letters/${listed?.id}/replay`);
    expect(stillBroken.status).toBe(409);
    expect(((await stillBroken.json()) as { code: string }).code).toBe('events/replay-failed');

    controls.failuresLeft = 0;
    const replayed = await call(host, 'POST', `/ops/dead-letters/${listed?.id}/replay`);
    expect(replayed.status).toBe(200);
    expect(await replayed.json()).toEqual({ id: listed?.id, outcome: 'handled' });
    expect(await readEffects(database.db)).toHaveLength(1);

    const again = await call(host, 'POST', `/ops/dead-letters/${listed?.id}/replay`);
    expect(await again.json()).toEqual({ id: listed?.id, outcome: 'duplicate' });
    expect(await readEffects(database.db)).toHaveLength(1);
    const pending = (await (await call(host, 'GET', '/ops/dead-letters')).json()) as Letters;
    expect(pending.items).toHaveLength(0);
    const all = (await (await call(host, 'GET', '/ops/dead-letters?pending=false')).json()) as Letters;
    expect(all.items).toHaveLength(1);
  });

  it('a dead letter whose event was delivered since another way (a redrive) is no longer pending', async () => {
    controls.failuresLeft = Number.POSITIVE_INFINITY;
    const host = await start({ env: { EVENT_MAX_ATTEMPTS: '2' } });
    expect((await call(host, 'POST', '/catalog/v1/products', newProduct('DLQ-REDRIVE'))).status).toBe(201);
    type Letters = { items: { id: string; replayedAt: string | null }[] };
    const letters = async (query = '') => ((await (await call(host, 'GET', `/ops/dead-letters${query}`)).json()) as Letters).items;
    const [letter] = await eventually(async () => {
      const pending = await letters();
      expect(pending).toHaveLength(1);
      return pending;
    });
    // Fixed, then the event sent again by a redrive (`npm run events -- redrive`): through the bus, not the dead letter.
    controls.failuresLeft = 0;
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const redrive = await call(host, 'POST', '/ops/events/redrive', { module: 'catalog', since, consumer: 'probe:record', mode: 'all' });
    expect(await redrive.json()).toMatchObject({ republished: 1 });
    await eventually(async () => expect(await readEffects(database.db)).toHaveLength(1));
    expect(await letters()).toEqual([]);
    const [settled] = await letters('?pending=false');
    expect(settled?.id).toBe(letter?.id);
    expect(settled?.replayedAt).not.toBeNull();
    // Replayed after all, it is a duplicate: nothing runs twice.
    expect(await (await call(host, 'POST', `/ops/dead-letters/${letter?.id}/replay`)).json()).toEqual({ id: letter?.id, outcome: 'duplicate' });
    expect(await readEffects(database.db)).toHaveLength(1);
  });

  it('an event its producer cannot convert to an older version waits in the outbox, and readiness blames the conversion, not the bus', async () => {
    const host = await start();
    // A product-created v2 row whose payload v1's downcast cannot read (written by another release, say).
    const id = randomUUID();
    const key = randomUUID();
    const envelope = {
      id,
      name: 'catalog.product-created',
      version: 2,
      occurredAt: new Date().toISOString(),
      key,
      correlationId: id,
      causationId: null,
      traceparent: null,
      payload: { productId: 'not-a-uuid', sku: 'BROKEN-1' },
    };
    await database.db.insert(catalogOutbox).values({ id, name: envelope.name, version: 2, aggregateKey: key, envelope });
    // Claimed (attempts counted) before its dispatch fails and the row is given back with its last_error: wait for both.
    const row = await eventually(async () => {
      const [found] = await database.db.select().from(catalogOutbox).where(eq(catalogOutbox.id, id));
      expect(found?.attempts).toBeGreaterThan(0);
      expect(found?.lastError).not.toBeNull();
      return found;
    }, 30_000);
    expect(row?.dispatchedAt).toBeNull();
    expect(row?.lastError).toContain(`catalog.product-created v2 (event ${id}) cannot be converted to v1`);
    const ready = await call(host, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    const checks = ((await ready.json()) as { checks: { module: string; name: string; status: string; detail?: string }[] }).checks;
    const dispatch = checks.find((c) => c.module === 'catalog' && c.name === 'event-dispatch');
    expect(dispatch?.status).toBe('warn');
    expect(dispatch?.detail).toContain('could not be converted to an older version');
    expect(dispatch?.detail).not.toContain('bus refused');
    // Nobody got it: not the v2 consumer (inventory) either, so no version runs ahead of another.
    expect(controls.attempts).not.toContain(id);
  });

  it.skipIf(testDatabase.name !== 'postgres')('a lock held on the outbox shows on readiness as a warning, and clears once it is gone', async () => {
    const host = await start();
    type Checks = { checks: { module: string; name: string; status: string; detail?: string }[] };
    const claims = async () => {
      const ready = await call(host, 'GET', '/health/ready');
      expect(ready.status).toBe(200);
      return ((await ready.json()) as Checks).checks.find((c) => c.module === 'catalog' && c.name === 'outbox-claims');
    };
    expect(await claims()).toMatchObject({ status: 'pass' });
    const lock = await lockTable((database as { url?: string }).url ?? '', 'catalog.outbox');
    try {
      const held = await eventually(async () => {
        const check = await claims();
        expect(check?.status).toBe('warn');
        return check;
      }, 60_000);
      expect(held?.detail).toMatch(/^the relay's read of the outbox has waited \d+ s; its events wait there \(a lock on the table\?\)$/);
    } finally {
      await lock.release();
    }
    await eventually(async () => expect(await claims()).toMatchObject({ status: 'pass' }), 60_000);
  });

  it('replaying a dead letter that does not exist is a 404 problem', async () => {
    const host = await start();
    const response = await call(host, 'POST', '/ops/dead-letters/01900000-0000-7000-8000-00000000dead/replay');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(((await response.json()) as { code: string }).code).toBe('events/dead-letter-not-found');
  });
});
