import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityModule } from '../../modules/identity/index.ts';
import { auditTables } from '../../platform/audit/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { eventually, startTestHost } from '../support/test-host.ts';
import { headSeq, verify } from './support.ts';

/** Without anyone asking, each module's chain head is signed every AUDIT_CHECKPOINT_INTERVAL. */
describe('periodic audit checkpoints', () => {
  let database: TestDatabaseHandle;
  let host: Host;

  beforeAll(async () => {
    database = await (testDatabases[0] as (typeof testDatabases)[number]).open();
    host = await startTestHost({ database, modules: [identityModule], env: { AUDIT_CHECKPOINT_INTERVAL: '1s' } });
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  it('signs the head a new entry moved, on its own', async () => {
    await host.modules[0]?.audit.recordAll([{ action: 'test.periodic', outcome: 'success' }]);
    const head = await headSeq(database.db, 'identity');
    await eventually(async () => {
      const signed = await database.db.select().from(auditTables('identity').checkpoints);
      expect(Math.max(0, ...signed.map((c) => c.seq))).toBeGreaterThanOrEqual(head);
    }, 60_000);
    expect(await verify(host, 'identity')).toMatchObject({ ok: true });
  });
});
