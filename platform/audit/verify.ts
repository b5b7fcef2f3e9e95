import { asc, gt } from 'drizzle-orm';
import type { JSONWebKeySet } from 'jose';
import type { Db } from '../db/index.ts';
import { entryHash, genesisHash, type AuditRecord } from './chain.ts';
import { verifyCheckpointToken } from './checkpoint-token.ts';
import type { AuditTables } from './tables.ts';

/** What is wrong at the first bad place of a chain. */
export interface AuditProblem {
  seq: number;
  kind: 'missing' | 'tampered' | 'broken-link' | 'checkpoint-invalid' | 'checkpoint-mismatch' | 'head-mismatch';
  message: string;
}

export interface AuditReport {
  module: string;
  ok: boolean;
  entries: number;
  checkpoints: number;
  /** The last checkpoint that verified; entries after it are chained but not yet signed. */
  lastCheckpointSeq: number;
  problem?: AuditProblem;
}

const pageSize = 1000;

/**
 * Walks a module's audit chain from its first entry: seq continuity (a gap is a missing entry), each entry's link to
 * the one before and its recomputed hash, the head; then every signed checkpoint, against identity's public keys,
 * and the chain's hash at the checkpoint's seq. A rewrite that recomputes every hash is consistent in itself but no
 * longer matches what identity signed. Reports the first problem found.
 */
export async function verifyAuditChain(db: Db, module: string, tables: AuditTables, keys: JSONWebKeySet): Promise<AuditReport> {
  const { log, head, checkpoints } = tables;
  const signed = await db.select().from(checkpoints).orderBy(asc(checkpoints.seq));
  const [current] = await db.select().from(head);
  const base = { module, checkpoints: signed.length };
  const hashAt = new Map<number, string>(signed.map((c) => [c.seq, '']));
  let expected = 1;
  let prev = genesisHash(module);
  const fail = (entries: number, problem: AuditProblem): AuditReport => ({ ...base, ok: false, entries, lastCheckpointSeq: 0, problem });
  for (;;) {
    const rows = await db
      .select()
      .from(log)
      .where(gt(log.seq, expected - 1))
      .orderBy(asc(log.seq))
      .limit(pageSize);
    for (const row of rows) {
      if (row.seq !== expected) return fail(expected - 1, { seq: expected, kind: 'missing', message: `entry ${expected} is missing (the next is ${row.seq})` });
      const { hash, ...fields } = row;
      const record: Omit<AuditRecord, 'hash'> = { ...fields, at: row.at.toISOString() };
      if (row.prevHash !== prev)
        return fail(expected - 1, { seq: row.seq, kind: 'broken-link', message: `entry ${row.seq} does not follow entry ${row.seq - 1}` });
      if (entryHash(record) !== hash)
        return fail(expected - 1, { seq: row.seq, kind: 'tampered', message: `entry ${row.seq} was changed after it was written` });
      if (hashAt.has(row.seq)) hashAt.set(row.seq, row.hash);
      prev = row.hash;
      expected += 1;
    }
    if (rows.length < pageSize) break;
  }
  const entries = expected - 1;
  if (current && current.seq > entries)
    return fail(entries, { seq: entries + 1, kind: 'missing', message: `entries ${entries + 1} to ${current.seq} are missing` });
  if (current && current.hash !== prev)
    return fail(entries, { seq: entries, kind: 'head-mismatch', message: `the chain head does not match entry ${entries}` });
  let lastCheckpointSeq = 0;
  for (const checkpoint of signed) {
    const verified = await verifyCheckpointToken(checkpoint.jws, keys);
    if ('invalid' in verified)
      return {
        ...base,
        ok: false,
        entries,
        lastCheckpointSeq,
        problem: { seq: checkpoint.seq, kind: 'checkpoint-invalid', message: `checkpoint ${checkpoint.seq}: ${verified.invalid}` },
      };
    const { claims } = verified;
    const chained = hashAt.get(claims.seq);
    if (claims.module !== module || claims.seq !== checkpoint.seq || claims.hash !== checkpoint.hash || chained !== claims.hash) {
      const message =
        chained === undefined || chained === ''
          ? `checkpoint ${checkpoint.seq} signs an entry the chain does not hold`
          : `the chain at entry ${claims.seq} is not what identity signed: an entry after ${lastCheckpointSeq} and at or before ${claims.seq} was rewritten`;
      return { ...base, ok: false, entries, lastCheckpointSeq, problem: { seq: claims.seq, kind: 'checkpoint-mismatch', message } };
    }
    lastCheckpointSeq = claims.seq;
  }
  return { ...base, ok: true, entries, lastCheckpointSeq };
}
