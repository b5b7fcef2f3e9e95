import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { migrateModule } from '../../platform/host/index.ts';
import { openTestPglite } from '../support/pglite-image.ts';
import { call, eventually, startTestHost } from '../support/test-host.ts';

/** What every relay, saga runner and projection logged at each pass while their tables did not exist. */
const failures = ['outbox relay pass failed', 'saga runner could not claim sagas', 'projection batch failed; retried on the next pass'];

describe('a host started with MIGRATE_ON_START=false before its migrations are applied', () => {
  it('holds its event processing without logging a failure per pass, and starts it once they are applied', async () => {
    const lines: Record<string, unknown>[] = [];
    const database = await openTestPglite();
    const host = await startTestHost({ database, env: { MIGRATE_ON_START: 'false' }, logLines: lines });
    try {
      const waiting = lines.find((l) => String(l.msg).startsWith('migrations not applied'));
      expect(waiting?.pending).toEqual(expect.objectContaining({ catalog: expect.any(Number), inventory: expect.any(Number) }));
      expect((await host.app.request('/health/ready')).status).toBe(503);
      // Relays sweep every 50 ms here (OUTBOX_SWEEP_MS): before, each of six failed on its missing outbox at every pass.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(lines.filter((l) => failures.includes(String(l.msg)) || Number(l.level) >= 50)).toEqual([]);

      // Applied meanwhile by someone else (the admin Job, npm run db:migrate).
      for (const m of host.modules) await migrateModule(database.db, m.definition);
      await eventually(() => expect(lines.map((l) => l.msg)).toContain('migrations applied: event delivery, relays, projections and sagas started'), 30_000);
      await eventually(async () => expect((await host.app.request('/health/ready')).status).toBe(200), 30_000);

      // Events flow: a product created in catalog becomes a stock item in inventory.
      const created = await call(host, 'POST', '/catalog/v1/products', {
        sku: `ML-${randomUUID().slice(0, 8)}`,
        name: 'Lamp',
        price: { amount: 100, currency: 'EUR' },
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      await eventually(async () => expect((await call(host, 'GET', `/inventory/v1/stock/${id}`)).status).toBe(200), 30_000);
      expect(lines.filter((l) => failures.includes(String(l.msg)) || Number(l.level) >= 50)).toEqual([]);
    } finally {
      await host.stop();
      await database.close();
    }
  });

  it('loads the demo data once they are applied, and is not ready before (it was tried at start, failed, and never loaded)', async () => {
    const lines: Record<string, unknown>[] = [];
    const database = await openTestPglite();
    const host = await startTestHost({ database, env: { MIGRATE_ON_START: 'false' }, logLines: lines });
    try {
      // What `npm start` does right after it serves.
      await host.seed();
      expect(lines.map((l) => l.msg)).not.toContain('demo data not loaded');
      for (const m of host.modules) await migrateModule(database.db, m.definition);
      await eventually(async () => expect((await host.app.request('/health/ready')).status).toBe(200), 30_000);
      const { items } = (await (await call(host, 'GET', '/catalog/v1/products')).json()) as { items: { sku: string }[] };
      expect(items.map((p) => p.sku)).toContain('MUG-001');
      expect(lines.map((l) => l.msg)).not.toContain('demo data not loaded');
    } finally {
      await host.stop();
      await database.close();
    }
  });
});
