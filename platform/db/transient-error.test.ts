import { sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import process from 'node:process';
import { describe, expect, it } from 'vitest';
import { testDatabases } from '../../tests/support/databases.ts';
import { errorChain } from '../observability/index.ts';
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

/** The error of the first run that fails with PostgreSQL's `code` (the pool may first meet its lost connection). */
async function thrownWithCode(code: string, run: () => Promise<unknown>): Promise<unknown> {
  const seen: unknown[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    const error = await thrownBy(run);
    if ([...errorChain(error)].some((e) => (e as { code?: unknown }).code === code)) return error;
    seen.push(error);
  }
  throw new Error(`no attempt failed with ${code}: ${seen.map(String).join('; ')}`);
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

  it.skipIf(!postgresUrl)('a login the server refuses (the role locked mid-flight, 28000) is transient', async () => {
    const admin = await openDatabase({ url: postgresUrl, maxConnections: 1 });
    const role = `cleave_test_login_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await admin.db.execute(sql.raw(`create role ${role} login`));
    const url = new URL(postgresUrl as string);
    url.username = role;
    url.password = '';
    // A pool of more than one: with `max: 1`, postgres.js 3.4 leaves the next query waiting forever after the reset.
    const handle = await openDatabase({ url: url.href, maxConnections: 4 });
    try {
      await handle.db.execute(sql`select 1`);
      // As a password rotation or a pg_hba change meets a pool: the next connection it opens is refused.
      await admin.db.execute(sql.raw(`alter role ${role} nologin`));
      await admin.db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${role}`);
      const error = await thrownWithCode('28000', () => handle.db.execute(sql`select 1`));
      expect(transientDatabaseFailure(error)).toMatch(/refused the login/);
    } finally {
      await handle.close();
      await admin.db.execute(sql.raw(`drop role if exists ${role}`));
      await admin.close();
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
