import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditMigrations, auditTables, createAuditLog } from '../../platform/audit/index.ts';
import { migrateSchema, openDatabase, type DatabaseHandle } from '../../platform/db/index.ts';
import { postgresTestDatabase, postgresUrl, testDatabases, type TestDatabaseHandle } from '../support/databases.ts';

/** The innermost message of a driver error (drizzle wraps the database's). */
async function refusal(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
  } catch (error) {
    let e: unknown = error;
    while (e instanceof Error && e.cause instanceof Error) e = e.cause;
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error('the statement was not refused');
}

describe.each(testDatabases)('the audit trail is append-only on $name', (testDatabase) => {
  let database: TestDatabaseHandle;

  beforeAll(async () => {
    database = await testDatabase.open();
    await migrateSchema(database.db, 'ledger', auditMigrations('ledger'));
    await createAuditLog('ledger', database.db).recordAll([
      { action: 'ledger.opened', outcome: 'success' },
      { action: 'ledger.closed', outcome: 'success' },
    ]);
    await database.db.insert(auditTables('ledger').checkpoints).values({ seq: 2, hash: 'h', at: new Date(), kid: 'k', jws: 'j' });
  });
  afterAll(() => database?.close());

  it('the trigger refuses UPDATE, DELETE and TRUNCATE of entries and checkpoints, even to a superuser', async () => {
    const { db } = database;
    for (const statement of [
      sql`update ledger.audit_log set target = 'x' where seq = 1`,
      sql`delete from ledger.audit_log where seq = 2`,
      sql`truncate ledger.audit_log`,
      sql`delete from ledger.audit_checkpoints`,
    ]) {
      expect(await refusal(db.execute(statement))).toMatch(/audit\/append-only/);
    }
    const rows = await db.select().from(auditTables('ledger').log);
    expect(rows.map((r) => r.seq)).toEqual([1, 2]);
  });
});

/**
 * On PostgreSQL the grants refuse too: a throw-away login role owns the schema and runs the migrations (as a module's
 * role does), and afterwards may read and append but not change or delete, the trigger aside.
 */
describe.skipIf(!postgresTestDatabase)('the audit grants on PostgreSQL', () => {
  let database: TestDatabaseHandle;
  let asApp: DatabaseHandle;
  const role = `audit_app_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    database = await (postgresTestDatabase as NonNullable<typeof postgresTestDatabase>).open();
    await database.db.execute(sql.raw(`create role ${role} nologin`));
    await database.db.execute(sql.raw(`create schema shop authorization ${role}`));
    asApp = await openDatabase({ url: database.url as string, role, maxConnections: 2 });
    await migrateSchema(asApp.db, 'shop', auditMigrations('shop'));
    await createAuditLog('shop', asApp.db).recordAll([{ action: 'shop.sold', outcome: 'success' }]);
  });
  afterAll(async () => {
    await asApp?.close();
    await database?.close();
    // Roles belong to the server, not to the scratch database that was just dropped.
    const admin = await openDatabase({ url: postgresUrl as string, maxConnections: 1 });
    await admin.db.execute(sql.raw(`drop role if exists ${role}`)).catch(() => undefined);
    await admin.close();
  });

  it('the application role may append and read, not change, delete or truncate', async () => {
    const { db } = asApp;
    for (const statement of [
      sql`update shop.audit_log set target = 'x'`,
      sql`delete from shop.audit_log`,
      sql`truncate shop.audit_log`,
      sql`delete from shop.audit_checkpoints`,
    ]) {
      expect(await refusal(db.execute(statement))).toMatch(/permission denied/);
    }
    await createAuditLog('shop', db).recordAll([{ action: 'shop.sold-again', outcome: 'success' }]);
    expect((await db.select().from(auditTables('shop').log)).map((r) => r.action)).toEqual(['shop.sold', 'shop.sold-again']);
  });
});
