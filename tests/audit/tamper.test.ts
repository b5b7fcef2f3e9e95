import { generateKeyPair, SignJWT } from 'jose';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityModule } from '../../modules/identity/index.ts';
import { checkpointType, entryHash } from '../../platform/audit/index.ts';
import { resultRows, type Db } from '../../platform/db/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { startTestHost } from '../support/test-host.ts';
import { checkpoint, verify } from './support.ts';

/**
 * The attacker: someone with the database's owner or superuser rights (not the identity signing key), who turns the
 * append-only triggers off and edits, deletes, reorders or rewrites entries, recomputing every hash. Verify names the
 * first place each attack touched. Every case restores the rows it changed, so the cases share one chain.
 */
describe.each(testDatabases)('audit chain tamper detection on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let db: Db;
  let first: number;
  let signedAt: number;

  type Row = Record<string, unknown> & { seq: number; hash: string; prev_hash: string };
  const all = async () => resultRows<Row>(await db.execute(sql`select * from identity.audit_log order by seq`)).map((r) => ({ ...r, seq: Number(r.seq) }));
  let original: Row[];
  let originalCheckpoints: Record<string, unknown>[];

  /** As the attacker: triggers off, `change` applied. */
  async function tamper(change: () => Promise<void>): Promise<void> {
    await db.execute(sql`alter table identity.audit_log disable trigger user`);
    await db.execute(sql`alter table identity.audit_checkpoints disable trigger user`);
    await change();
  }

  /** Puts every row back as it was (then verify is clean again). */
  async function restore(): Promise<void> {
    await db.execute(sql`delete from identity.audit_log`);
    for (const r of original) {
      await db.execute(sql`insert into identity.audit_log (seq, at, actor_user, actor_module, actor_client, action, target, outcome, request_id, correlation_id, detail, prev_hash, hash)
        values (${r.seq}, ${r.at as string}, ${r.actor_user as string}, ${r.actor_module as string}, ${r.actor_client as string}, ${r.action as string}, ${r.target as string}, ${r.outcome as string},
          ${r.request_id as string}, ${r.correlation_id as string}, ${JSON.stringify(r.detail)}::jsonb, ${r.prev_hash}, ${r.hash})`);
    }
    await db.execute(sql`delete from identity.audit_checkpoints`);
    for (const c of originalCheckpoints) {
      await db.execute(
        sql`insert into identity.audit_checkpoints (seq, hash, at, kid, jws) values (${c.seq as number}, ${c.hash as string}, ${c.at as string}, ${c.kid as string}, ${c.jws as string})`,
      );
    }
    const last = original.at(-1) as Row;
    await db.execute(sql`update identity.audit_head set seq = ${last.seq}, hash = ${last.hash}`);
    await db.execute(sql`alter table identity.audit_log enable trigger user`);
    await db.execute(sql`alter table identity.audit_checkpoints enable trigger user`);
    expect((await verify(host, 'identity')).ok).toBe(true);
  }

  beforeAll(async () => {
    database = await testDatabase.open();
    db = database.db;
    host = await startTestHost({ database, modules: [identityModule] });
    const trail = host.modules.find((m) => m.definition.name === 'identity')?.audit;
    const written = await trail?.recordAll(
      Array.from({ length: 12 }, (_, i) => ({ action: 'test.step', target: `item-${i}`, outcome: 'success' as const, detail: { i, note: 'ü "quoted"' } })),
    );
    first = (written?.[0]?.seq ?? 0) as number;
    signedAt = (await checkpoint(host, 'identity')).seq;
    // Entries after the checkpoint: chained, not yet signed.
    await trail?.recordAll([{ action: 'test.after-checkpoint', outcome: 'success' }]);
    original = await all();
    originalCheckpoints = resultRows(await db.execute(sql`select seq, hash, at::text as at, kid, jws from identity.audit_checkpoints`));
    for (const r of original)
      r.at = (resultRows<{ at: string }>(await db.execute(sql`select at::text as at from identity.audit_log where seq = ${r.seq}`))[0] as { at: string }).at;
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  it('an intact chain verifies, with its checkpoint', async () => {
    const report = await verify(host, 'identity');
    expect(report).toMatchObject({ ok: true, entries: original.length, checkpoints: 1, lastCheckpointSeq: signedAt });
  });

  it('an edited field is caught at its entry', async () => {
    const target = first + 4;
    await tamper(() => db.execute(sql`update identity.audit_log set target = 'someone-else' where seq = ${target}`).then(() => {}));
    expect((await verify(host, 'identity')).problem).toMatchObject({ seq: target, kind: 'tampered' });
    await restore();
  });

  it('a deleted entry is caught as missing, in the middle and at the end', async () => {
    const target = first + 6;
    await tamper(() => db.execute(sql`delete from identity.audit_log where seq = ${target}`).then(() => {}));
    expect((await verify(host, 'identity')).problem).toMatchObject({ seq: target, kind: 'missing' });
    await restore();
    const last = (original.at(-1) as Row).seq;
    await tamper(() => db.execute(sql`delete from identity.audit_log where seq = ${last}`).then(() => {}));
    expect((await verify(host, 'identity')).problem).toMatchObject({ seq: last, kind: 'missing' });
    await restore();
  });

  it('two entries swapped are caught at the first of them', async () => {
    const a = first + 2;
    await tamper(async () => {
      await db.execute(sql`update identity.audit_log set seq = -1 where seq = ${a}`);
      await db.execute(sql`update identity.audit_log set seq = ${a} where seq = ${a + 1}`);
      await db.execute(sql`update identity.audit_log set seq = ${a + 1} where seq = -1`);
    });
    expect((await verify(host, 'identity')).problem).toMatchObject({ seq: a, kind: 'broken-link' });
    await restore();
  });

  it('a rewrite that recomputes every hash, without the signing key, is caught by the signed checkpoint', async () => {
    const target = first + 3;
    await tamper(async () => {
      let prev = (original.find((r) => r.seq === target - 1) as Row).hash;
      for (const r of original.filter((x) => x.seq >= target)) {
        const row = resultRows<Record<string, unknown>>(await db.execute(sql`select * from identity.audit_log where seq = ${r.seq}`))[0] as Record<
          string,
          unknown
        >;
        const target_ = r.seq === target ? 'someone-else' : (row.target as string | null);
        const fields = {
          seq: r.seq,
          at: new Date(row.at as string).toISOString(),
          actorUser: row.actor_user as string | null,
          actorModule: row.actor_module as string | null,
          actorClient: row.actor_client as string | null,
          action: row.action as string,
          target: target_,
          outcome: row.outcome as 'success',
          requestId: row.request_id as string | null,
          correlationId: row.correlation_id as string | null,
          detail: row.detail as Record<string, unknown>,
          prevHash: prev,
        };
        const hash = entryHash(fields);
        await db.execute(sql`update identity.audit_log set target = ${target_}, prev_hash = ${prev}, hash = ${hash} where seq = ${r.seq}`);
        prev = hash;
      }
      await db.execute(sql`update identity.audit_head set hash = ${prev}`);
    });
    const report = await verify(host, 'identity');
    // Every link and hash holds; only identity's signature over the head at `signedAt` does not.
    expect(report.problem).toMatchObject({ seq: signedAt, kind: 'checkpoint-mismatch' });
    expect(report.problem?.message).toContain(`at or before ${signedAt}`);

    // Re-signing the checkpoint with a key of the attacker's own does not help either.
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ seq: signedAt, hash: 'x'.repeat(64) })
      .setProtectedHeader({ alg: 'ES256', kid: String(originalCheckpoints[0]?.kid), typ: checkpointType })
      .setSubject('identity')
      .sign(privateKey);
    await db.execute(sql`update identity.audit_checkpoints set jws = ${forged}`);
    expect((await verify(host, 'identity')).problem).toMatchObject({ seq: signedAt, kind: 'checkpoint-invalid' });
    await restore();
  });
});
