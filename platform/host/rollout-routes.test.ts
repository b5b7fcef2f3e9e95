import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisPrefix } from '../../tests/support/redis-keys.ts';
import { testDatabases, redisUrl, type TestDatabaseHandle } from '../../tests/support/databases.ts';
import { testLogger } from '../../tests/support/test-host.ts';
import { auditMigrations, auditTables, createAuditLog, queryAuditLog } from '../audit/index.ts';
import { migrateSchema } from '../db/index.ts';
import { createApp } from '../http/index.ts';
import { createRolloutStore, type RolloutStore } from '../registry/index.ts';
import { rolloutRoutes } from './rollout-routes.ts';

describe.skipIf(!redisUrl)('PUT /ops/rollouts/{module}: the change and its audit entry', () => {
  let database: TestDatabaseHandle;
  const stores: RolloutStore[] = [];
  const prefix = `${redisPrefix()}:rollouts`;

  beforeAll(async () => {
    database = await (testDatabases[0] as (typeof testDatabases)[number]).open();
    await migrateSchema(database.db, 'inventory', auditMigrations('inventory'));
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await database.close();
  });

  const gateway = (url = redisUrl as string) => {
    const store = createRolloutStore({ redisUrl: url, prefix, log: testLogger(), refreshMs: 600_000 });
    stores.push(store);
    const app = createApp({ logger: testLogger(), bodyLimitBytes: 65_536 });
    app.route(
      '/',
      rolloutRoutes({
        store,
        canaries: { inventory: 'http://127.0.0.1:9/' },
        remote: new Map(),
        healthyOfColour: () => Promise.resolve(undefined),
        trail: () => ({ audit: createAuditLog('inventory', database.db), db: database.db }),
      }),
    );
    const put = async (body: unknown) => {
      const response = await app.request('/ops/rollouts/inventory', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    return { store, put };
  };
  const entries = async () => (await queryAuditLog(database.db, auditTables('inventory'), { action: 'platform.rollout-changed', limit: 1000 })).items.length;

  it('refuses an unknown field (a typo would otherwise be dropped and the rest applied)', async () => {
    const { put } = gateway();
    const before = await entries();
    expect(await put({ weight: 0, stciky: true })).toMatchObject({ status: 400, body: { code: 'http/validation-failed' } });
    expect(await entries()).toBe(before);
  });

  it('with Redis unreachable: 503 rollout/store-unavailable, nothing changed, nothing audited', async () => {
    const { put } = gateway('redis://127.0.0.1:9');
    const before = await entries();
    expect(await put({ weight: 10 })).toMatchObject({ status: 503, body: { code: 'rollout/store-unavailable' } });
    expect(await entries()).toBe(before);
  });

  it('a change whose audit entry fails to commit is undone in Redis: no change applied that the trail does not show', async () => {
    const { store, put } = gateway();
    expect(await put({ weight: 10 })).toMatchObject({ status: 200, body: { weight: 10 } });
    const before = await entries();
    // The commit fails after the write to Redis (as a connection lost at COMMIT would): a deferred check that never passes.
    await database.db.execute(
      sql.raw(`CREATE FUNCTION inventory.refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'commit refused'; END $$`),
    );
    await database.db.execute(
      sql.raw(
        `CREATE CONSTRAINT TRIGGER refuse AFTER INSERT ON inventory.audit_log DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION inventory.refuse()`,
      ),
    );
    try {
      expect((await put({ weight: 60 })).status).toBe(500);
    } finally {
      await database.db.execute(sql.raw('DROP TRIGGER refuse ON inventory.audit_log'));
    }
    expect(await entries()).toBe(before);
    expect(store.get('inventory').weight).toBe(10);
    const late = createRolloutStore({ redisUrl: redisUrl as string, prefix, log: testLogger(), refreshMs: 600_000 });
    stores.push(late);
    await late.refresh();
    expect(late.get('inventory').weight).toBe(10);
  });
});
