import { eq } from 'drizzle-orm';
import type { Db, Executor, Tx } from '../db/index.ts';
import { currentContext } from '../observability/index.ts';
import { endUserOf } from '../security/index.ts';
import { entryHash, type AuditOutcome, type AuditRecord } from './chain.ts';
import type { AuditTables } from './tables.ts';

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

/** The audit trail of `module`, in its own schema's `audit_log`. */
export function createAuditLog(module: string, db: Db, tables: AuditTables): AuditLog {
  async function append(tx: Executor, entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    // The head row lock orders writers: seq is gap-free and every entry chains on the one committed before it.
    const [head] = await tx.select().from(tables.head).where(eq(tables.head.id, 1)).for('update');
    if (!head) throw new Error(`The audit head of ${module} is missing; were the platform's audit migrations applied?`);
    const context = currentContext();
    const principal = context?.principal;
    const user = endUserOf(principal);
    let { seq, hash } = head;
    const records = entries.map((entry) => {
      seq += 1;
      const fields: Omit<AuditRecord, 'hash'> = {
        seq,
        at: new Date().toISOString(),
        actorUser: entry.actorUser !== undefined ? entry.actorUser : (user?.subject ?? null),
        actorModule: entry.actorModule !== undefined ? entry.actorModule : principal?.kind === 'module' ? (principal.module ?? null) : null,
        actorClient: entry.actorClient !== undefined ? entry.actorClient : (user?.clientId ?? null),
        action: entry.action,
        target: entry.target ?? null,
        outcome: entry.outcome,
        requestId: entry.requestId !== undefined ? entry.requestId : (context?.requestId ?? null),
        correlationId: entry.correlationId !== undefined ? entry.correlationId : (context?.correlationId ?? null),
        // As jsonb will give it back, so the hash can be recomputed from the row.
        detail: JSON.parse(JSON.stringify(entry.detail ?? {})) as Record<string, unknown>,
        prevHash: hash,
      };
      hash = entryHash(fields);
      return { ...fields, hash };
    });
    if (records.length === 0) return records;
    await tx.insert(tables.log).values(records.map((r) => ({ ...r, at: new Date(r.at) })));
    await tx.update(tables.head).set({ seq, hash }).where(eq(tables.head.id, 1));
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
