import { sql } from 'drizzle-orm';
import process from 'node:process';
import { describe, expect, it } from 'vitest';
import { testDatabases } from '../../tests/support/databases.ts';
import { withTransactionDeadline } from './deadline.ts';
import { openDatabase } from './database.ts';
import { transientDatabaseFailure } from './transient-error.ts';
import { openTestPglite } from '../../tests/support/pglite-image.ts';

const postgresUrl = process.env.TEST_DATABASE_URL;

/** The error a real query throws, as drizzle hands it to the caller. */
async function thrownBy(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('the query did not fail');
}

describe('transientDatabaseFailure', () => {
  it.each(testDatabases)('a statement that can never succeed is not transient on $name', async (testDatabase) => {
    const database = await testDatabase.open();
    try {
      expect(transientDatabaseFailure(await thrownBy(() => database.db.execute(sql`select * from no_such_table`)))).toBeUndefined();
      expect(transientDatabaseFailure(await thrownBy(() => database.db.execute(sql`select 1/0`)))).toBeUndefined();
    } finally {
      await database.close();
    }
  });

  it('a PGlite transaction past its deadline is transient', async () => {
    const database = await openTestPglite();
    try {
      const db = withTransactionDeadline(database.db, 200);
      const error = await thrownBy(() => db.transaction(() => new Promise((resolve) => setTimeout(resolve, 60_000).unref())));
      expect(transientDatabaseFailure(error)).toMatch(/deadline/);
    } finally {
      await database.close();
    }
  });

  it.skipIf(!postgresUrl)('a statement cancelled by statement_timeout (57014), through drizzle, is transient', async () => {
    const handle = await openDatabase({ url: postgresUrl, maxConnections: 1, timeouts: { statementMs: 300, idleInTransactionMs: 60_000 } });
    try {
      const error = await thrownBy(() => handle.db.execute(sql`select pg_sleep(30)`));
      expect(transientDatabaseFailure(error)).toMatch(/statement_timeout/);
    } finally {
      await handle.close();
    }
  });

  it.skipIf(!postgresUrl)('a query on a server that cannot be reached is transient; other socket errors are not', async () => {
    const handle = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/test', maxConnections: 1 });
    try {
      expect(transientDatabaseFailure(await thrownBy(() => handle.db.execute(sql`select 1`)))).toMatch(/could not be reached/);
    } finally {
      await handle.close();
    }
    // A refused connection that no query met (another service's) says nothing about the database.
    expect(transientDatabaseFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBeUndefined();
  });
});
