import { and, asc, desc, gt, lte } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import type { Logger } from '../observability/index.ts';
import { entryHash, genesisHash } from './chain.ts';
import type { AuditTables } from './tables.ts';

/** Gets a chain head signed by identity's keys (in this process or another): a compact JWS and the key that signed. */
export interface CheckpointSigner {
  sign(module: string, seq: number, hash: string): Promise<{ jws: string; kid: string }>;
}

export interface Checkpointer {
  /** Signs the current head unless it is already signed; returns the checkpoint, or `undefined` for an empty chain. */
  checkpoint(): Promise<{ seq: number; hash: string; created: boolean } | undefined>;
  /** Checkpoints every `intervalMs` (failures are logged and tried again next time). */
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  module: string;
  db: Db;
  tables: AuditTables;
  signer: CheckpointSigner;
  log: Logger;
}

/**
 * Checkpoints a module's audit chain. Before asking identity to sign a head it re-checks the entries since the last
 * checkpoint, so a chain rewritten in between is reported rather than signed.
 */
export function createCheckpointer(options: CheckpointerOptions): Checkpointer {
  const { module, db, tables, signer, log } = options;
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<unknown> | undefined;

  async function checkpoint() {
    const [head] = await db.select().from(tables.head);
    if (!head || head.seq === 0) return undefined;
    const [last] = await db.select().from(tables.checkpoints).orderBy(desc(tables.checkpoints.seq)).limit(1);
    if (last && last.seq >= head.seq) return { seq: last.seq, hash: last.hash, created: false };
    const rows = await db
      .select()
      .from(tables.log)
      .where(and(gt(tables.log.seq, last?.seq ?? 0), lte(tables.log.seq, head.seq)))
      .orderBy(asc(tables.log.seq));
    let seq = last?.seq ?? 0;
    let prev = last?.hash ?? genesisHash(module);
    for (const { hash, ...fields } of rows) {
      if (fields.seq !== seq + 1 || fields.prevHash !== prev || entryHash({ ...fields, at: fields.at.toISOString() }) !== hash)
        throw new Error(`The audit chain of ${module} does not verify at entry ${seq + 1}: not signed; run npm run audit -- verify`);
      seq = fields.seq;
      prev = hash;
    }
    if (seq !== head.seq || prev !== head.hash) throw new Error(`The audit head of ${module} does not match its entries: not signed`);
    const { jws, kid } = await signer.sign(module, seq, prev);
    await db.insert(tables.checkpoints).values({ seq, hash: prev, at: new Date(), kid, jws }).onConflictDoNothing();
    // Also in the logs, which leave the database: a copy an attacker of the database does not hold.
    log.info({ audit: { module, seq, hash: prev, kid } }, 'audit checkpoint signed');
    return { seq, hash: prev, created: true };
  }

  return {
    checkpoint() {
      const run = checkpoint();
      running = run.catch(() => undefined);
      return run;
    },
    start(intervalMs) {
      timer ??= setInterval(() => {
        running = checkpoint().catch((error: unknown) => log.error({ err: error, module }, 'audit checkpoint failed'));
      }, intervalMs);
      timer.unref?.();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
