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

  // PostgreSQL refuses NUL in text and jsonb: one such path in a batch made the whole batch fail, so a client could erase
  // the trail of its own refused requests.
  it('records a refused request whose path holds a NUL, and every refusal batched with it', async () => {
    const before = (await entries(database.db, 'catalog', 'platform.access-denied')).length;
    const paths = [...Array.from({ length: 10 }, (_, i) => `/catalog/v1/products/p-${i}/archive`), '/catalog/v1/products/%00/archive'];
    const answers = await Promise.all(paths.map((path) => Promise.resolve(host.app.request(path, { method: 'POST' }))));
    expect(answers.map((a) => a.status)).toEqual(paths.map(() => 401));
    await eventually(async () => expect((await entries(database.db, 'catalog', 'platform.access-denied')).length).toBe(before + paths.length), 30_000);
    const targets = (await entries(database.db, 'catalog', 'platform.access-denied')).map((e) => e.target);
    expect(targets).toContain('POST /catalog/v1/products/\\u0000/archive');
    expect(await verify(host, 'catalog')).toMatchObject({ ok: true });
  });

  // docs/http-api.md: access is checked before anything else about the request.
  it('refuses a caller without a token before looking at the body: 401, not 415 or 413', async () => {
    for (const init of [
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' },
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: 'x' },
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2_000_000) },
    ]) {
      const response = await host.app.request('/catalog/v1/products', init);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { code: string }).code).toBe('auth/unauthenticated');
    }
  });
});
