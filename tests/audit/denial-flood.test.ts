import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogModule } from '../../modules/catalog/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { eventually, startTestHost } from '../support/test-host.ts';
import { entries, verify } from './support.ts';

/**
 * A flood of refused requests: each is answered at once, whatever the database does; the refusals queue in memory up
 * to AUDIT_DENIAL_QUEUE and are written in batches; what overflowed is counted in the trail, so every refusal is
 * either an entry or part of a count, and the chain stays whole.
 */
describe.each(testDatabases)('a flood of refusals on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startTestHost({ database, modules: [catalogModule], env: { AUDIT_DENIAL_QUEUE: '50' } });
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  it('answers every request, and accounts for every refusal as an entry or in a dropped count', async () => {
    const flood = 1000;
    const answers = await Promise.all(
      Array.from({ length: flood }, async () =>
        host.app.request('/catalog/v1/products', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      ),
    );
    expect(answers.every((a) => a.status === 401)).toBe(true);
    await eventually(async () => {
      const denied = (await entries(database.db, 'catalog', 'platform.access-denied')).length;
      const dropped = (await entries(database.db, 'catalog', 'platform.audit-denials-dropped')).reduce((n, e) => n + Number(e.detail.count), 0);
      expect(denied + dropped).toBe(flood);
      expect(denied).toBeGreaterThanOrEqual(50);
    }, 60_000);
    expect(await verify(host, 'catalog')).toMatchObject({ ok: true });
  });
});
