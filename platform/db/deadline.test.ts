import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle } from './database.ts';
import { TransactionTimeoutError, withTransactionDeadline } from './deadline.ts';
import { openTestPglite } from '../../tests/support/pglite-image.ts';

describe('a transaction deadline on PGlite (one connection for every module)', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestPglite();
    await handle.db.execute(sql`create table t (n int)`);
  });
  afterAll(() => handle.close());

  it('rolls back a transaction that never finishes, so the database is free for everyone else', async () => {
    const db = withTransactionDeadline(handle.db, 300);
    let abandoned: Parameters<Parameters<typeof db.transaction>[0]>[0] | undefined;
    const stuck = db.transaction(async (tx) => {
      abandoned = tx;
      await tx.execute(sql`insert into t values (1)`);
      // A handler waiting on something that never answers.
      await new Promise(() => {});
    });
    await expect(stuck).rejects.toBeInstanceOf(TransactionTimeoutError);
    // Rolled back: the row is gone, and the one connection answers again.
    expect(await handle.db.execute(sql`select count(*)::int as n from t`)).toMatchObject({ rows: [{ n: 0 }] });
    // The abandoned transaction cannot write outside its transaction later.
    await expect(abandoned?.execute(sql`insert into t values (2)`)).rejects.toThrow();
    expect(await handle.db.execute(sql`select count(*)::int as n from t`)).toMatchObject({ rows: [{ n: 0 }] });
  });

  it('leaves a transaction that finishes in time alone', async () => {
    const db = withTransactionDeadline(handle.db, 30_000);
    expect(await db.transaction((tx) => tx.execute(sql`select 41 + 1 as n`))).toMatchObject({ rows: [{ n: 42 }] });
  });
});
