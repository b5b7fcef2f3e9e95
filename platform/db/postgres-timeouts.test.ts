import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import process from 'node:process';
import { openDatabase } from './database.ts';

const postgresUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(!postgresUrl)('PostgreSQL session timeouts of a module pool', () => {
  it('end a statement and an idle transaction that run too long, on the server', async () => {
    const handle = await openDatabase({ url: postgresUrl, maxConnections: 2, timeouts: { statementMs: 700, idleInTransactionMs: 900 } });
    try {
      expect(await handle.db.execute(sql`show statement_timeout`)).toMatchObject([{ statement_timeout: '700ms' }]);
      expect(await handle.db.execute(sql`show idle_in_transaction_session_timeout`)).toMatchObject([{ idle_in_transaction_session_timeout: '900ms' }]);
      // A statement stuck far longer than allowed (a lock, a runaway query) is cancelled by the server: 57014.
      await expect(handle.db.execute(sql`select pg_sleep(30)`)).rejects.toMatchObject({ cause: { code: '57014' } });
    } finally {
      await handle.close();
    }
  });
});
