import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogModule } from '../../modules/catalog/index.ts';
import { loadConfig } from '../../platform/config/index.ts';
import { resultRows } from '../../platform/db/index.ts';
import { moduleRole, openModuleDatabases } from '../../platform/host/databases.ts';
import { createScratchDatabase, postgresUrl } from '../support/databases.ts';
import { testLogger } from '../support/test-host.ts';

/** `DB_POOL_MAX`: the most PostgreSQL connections a module's pool opens, however many statements wait. */
describe.skipIf(!postgresUrl)('DB_POOL_MAX on PostgreSQL', () => {
  let scratch: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    scratch = await createScratchDatabase(postgresUrl as string);
  });
  afterAll(() => scratch.drop());

  for (const poolMax of [2, 5]) {
    it(`twelve statements at once use at most ${poolMax} connections of the module's role`, async () => {
      const config = loadConfig({ DATABASE_URL: scratch.url, DB_POOL_MAX: String(poolMax), MODULES: 'catalog' });
      const databases = await openModuleDatabases(config, [catalogModule], testLogger());
      try {
        const { db } = databases.of('catalog');
        const application = `cleave:${moduleRole('catalog')}`;
        const counts: number[] = [];
        // Each statement counts the role's connections while it holds its own for 300 ms.
        await Promise.all(
          Array.from({ length: 12 }, async () => {
            const result = await db.execute(
              sql`select (select count(*)::int from pg_stat_activity where application_name = ${application}) as n, pg_sleep(0.3)`,
            );
            counts.push(resultRows<{ n: number }>(result)[0]?.n ?? 0);
          }),
        );
        expect(Math.max(...counts)).toBe(poolMax);
      } finally {
        await databases.close();
      }
    });
  }
});

describe('DB_POOL_MAX settings', () => {
  it('defaults to 10 and refuses what is not a whole number from 1 to 1000', () => {
    expect(loadConfig({}).database.poolMax).toBe(10);
    expect(loadConfig({ DB_POOL_MAX: '3' }).database.poolMax).toBe(3);
    for (const bad of ['0', '-1', '2.5', 'many', '1001']) expect(() => loadConfig({ DB_POOL_MAX: bad }), bad).toThrow(/DB_POOL_MAX/);
  });
});
