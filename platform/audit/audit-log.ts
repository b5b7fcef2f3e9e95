import { sql } from 'drizzle-orm';
import { resultRows, type Db, type Executor, type Tx } from '../db/index.ts';
import { currentContext } from '../observability/index.ts';
import { endUserOf } from '../security/index.ts';
import { entryHash, type AuditOutcome, type AuditRecord } from './chain.ts';

/** What a module says about an action; who, when and under which request is filled in from the execution context. */
export interface AuditEntry {
  /** Namespaced by the module: `inventory.stock-received`. */
  action: string;
  target?: string | null | undefined;
  outcome: AuditOutcome;
  /** Facts worth keeping (ids, scopes, counts); never a secret, token or password. */
  detail?: Record<string, unknown> | undefined;
  /** The actor, when it is not the caller of the request (a sign-in names the user who signed in). */
  actorUser?: string | null | undefined;
  actorClient?: string | null | undefined;
  /** Given when the entry is written outside the request it records (a queued denial). */
  actorModule?: string | null | undefined;
  requestId?: string | null | undefined;
  correlationId?: string | null | undefined;
}

export interface AuditLog {
  readonly module: string;
  /**
   * Appends `entry` to the module's chain inside `tx`, the transaction of the action it records: it commits or rolls
   * back with the action. Serialises on the chain head until `tx` ends, so write it as the transaction's last step.
   *
   * @example
   * await deps.transaction(async (tx) => { const item = await addReceipt(tx, …); await deps.audit(tx, { action: 'inventory.stock-received', target: productId, outcome: 'success' }); return item; });
   */
  record(tx: Tx, entry: AuditEntry): Promise<AuditRecord>;
  /** Several entries, in order, in one transaction of their own (or `tx`'s). */
  recordAll(entries: readonly AuditEntry[], tx?: Tx): Promise<AuditRecord[]>;
}

/**
 * The audit trail of `module`, in its own schema's `audit_log`. Two statements per write, in plain SQL (the query
 * builder's typed results cost more than the statements themselves on PGlite): lock and read the head; insert the
 * entries and move the head in one.
 */
export function createAuditLog(module: string, db: Db): AuditLog {
  const schema = sql.identifier(module);
  async function append(tx: Executor, entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    // The head row lock orders writers: seq is gap-free and every entry chains on the one committed before it. A
    // no-op UPDATE takes the same lock as SELECT … FOR UPDATE (and returns the row as the last writer committed it)
    // for less than half its cost on PGlite.
    const [locked] = resultRows<{ seq: number | string; hash: string }>(
      await tx.execute(sql`update ${schema}.audit_head set seq = seq where id = 1 returning seq, hash`),
    );
    if (!locked) throw new Error(`The audit head of ${module} is missing; were the platform's audit migrations applied?`);
    const head = { seq: Number(locked.seq), hash: locked.hash };
    const context = currentContext();
    const principal = context?.principal;
    const user = endUserOf(principal);
    let { seq, hash } = head;
    const records = entries.map((entry) => {
      seq += 1;
      const fields: Omit<AuditRecord, 'hash'> = {
        seq,
        at: new Date().toISOString(),
        actorUser: storable(entry.actorUser !== undefined ? entry.actorUser : (user?.subject ?? null)),
        actorModule: storable(entry.actorModule !== undefined ? entry.actorModule : principal?.kind === 'module' ? (principal.module ?? null) : null),
        actorClient: storable(entry.actorClient !== undefined ? entry.actorClient : (user?.clientId ?? null)),
        action: storable(entry.action),
        target: storable(entry.target ?? null),
        outcome: entry.outcome,
        requestId: storable(entry.requestId !== undefined ? entry.requestId : (context?.requestId ?? null)),
        correlationId: storable(entry.correlationId !== undefined ? entry.correlationId : (context?.correlationId ?? null)),
        // As jsonb will give it back, so the hash can be recomputed from the row.
        detail: JSON.parse(JSON.stringify(entry.detail ?? {}), (_key, value: unknown) => (typeof value === 'string' ? storable(value) : value)) as Record<
          string,
          unknown
        >,
        prevHash: hash,
      };
      hash = entryHash(fields);
      return { ...fields, hash };
    });
    if (records.length === 0) return records;
    const rows = records.map(
      (r) =>
        sql`(${r.seq}, ${r.at}, ${r.actorUser}, ${r.actorModule}, ${r.actorClient}, ${r.action}, ${r.target}, ${r.outcome}, ${r.requestId}, ${r.correlationId}, ${JSON.stringify(r.detail)}::jsonb, ${r.prevHash}, ${r.hash})`,
    );
    await tx.execute(sql`with moved as (update ${schema}.audit_head set seq = ${seq}, hash = ${hash} where id = 1)
      insert into ${schema}.audit_log (seq, at, actor_user, actor_module, actor_client, action, target, outcome, request_id, correlation_id, detail, prev_hash, hash)
      values ${sql.join(rows, sql`, `)}`);
    return records;
  }
  return {
    module,
    async record(tx, entry) {
      return (await append(tx, [entry]))[0] as AuditRecord;
    },
    recordAll(entries, tx) {
      return tx ? append(tx, entries) : db.transaction((own) => append(own, entries));
    },
  };
}

/**
 * PostgreSQL's text and jsonb cannot hold NUL: an entry recording what a client sent (a refused request's path) keeps
 * it as the six characters `\u0000` instead of failing its write, and with it every entry of its batch.
 */
function storable<T extends string | null>(text: T): T {
  return (text === null || !text.includes('\0') ? text : text.replaceAll('\0', '\\u0000')) as T;
}
