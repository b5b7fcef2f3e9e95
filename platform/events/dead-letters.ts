import { randomUUID } from 'node:crypto';
import { and, desc, eq, exists, isNull, notExists, sql, type SQL } from 'drizzle-orm';
import type { Db, Tx } from '../db/index.ts';
import { errorChain } from '../observability/index.ts';
import type { EventEnvelope } from './envelope.ts';
import type { EventTables } from './tables.ts';

export interface DeadLetter {
  id: string;
  module: string;
  consumer: string;
  eventId: string;
  eventName: string;
  eventVersion: number;
  error: string;
  attempts: number;
  failedAt: string;
  replayedAt: string | null;
  envelope: EventEnvelope;
}

/**
 * A module's dead letters: deliveries that used up their attempts, kept until replayed (and after, as history). One
 * whose event its consumer handled since by another way (a redrive, a producer's retry) reads as replayed then.
 */
export interface DeadLetterStore {
  module: string;
  record(consumer: string, envelope: EventEnvelope, error: unknown, attempts: number): Promise<void>;
  list(options?: { pendingOnly?: boolean; limit?: number }): Promise<DeadLetter[]>;
  get(id: string): Promise<DeadLetter | undefined>;
  /** Marks it replayed; `within` runs in the same transaction (the operator action's audit entry). */
  markReplayed(id: string, within?: (tx: Tx) => Promise<unknown>): Promise<void>;
  recordReplayFailure(id: string, error: unknown): Promise<void>;
  /**
   * Deletes it without delivering it (an operator gave up on it: a consumer that no longer exists, an event nobody can
   * read); `within` runs in the same transaction (the audit entry saying who and why). False when there was none.
   */
  discard(id: string, within?: (tx: Tx, letter: DeadLetter) => Promise<unknown>): Promise<boolean>;
}

/**
 * A dead letter's event in its consumer's inbox (when it was handled): delivered since by another way, a redrive or
 * the producer's relay sending it again. A subquery on the letter's row.
 */
function handledSince(db: Db, { inbox, deadLetters: t }: EventTables) {
  return db
    .select({ at: inbox.handledAt })
    .from(inbox)
    .where(and(eq(inbox.eventId, t.eventId), eq(inbox.consumer, t.consumer)));
}

/** The dead letters still pending: neither replayed nor handled since by another way (what an operator must act on). */
export function pendingDeadLetters(db: Db, tables: EventTables): SQL {
  return and(isNull(tables.deadLetters.replayedAt), notExists(handledSince(db, tables))) as SQL;
}

export function createDeadLetterStore(module: string, db: Db, tables: EventTables): DeadLetterStore {
  const t = tables.deadLetters;
  const handled = handledSince(db, tables);
  /**
   * Settles the pending dead letters whose event the consumer's inbox holds: delivered since (`npm run events --
   * redrive`, the producer's relay sending it again), they would otherwise stay pending, for an operator to replay
   * what was done. Done as they are read, not by each delivery (one statement less on the path of every event); a
   * letter read after its inbox row was pruned stays pending, and a replay of it finds the event new or a duplicate.
   */
  const settleDelivered = () =>
    db
      .update(t)
      .set({ replayedAt: sql`(${handled})` })
      .where(and(isNull(t.replayedAt), exists(handled)));
  const toDeadLetter = (row: typeof t.$inferSelect): DeadLetter => ({
    id: row.id,
    module,
    consumer: row.consumer,
    eventId: row.eventId,
    eventName: row.eventName,
    eventVersion: row.eventVersion,
    error: row.error,
    attempts: row.attempts,
    failedAt: row.failedAt.toISOString(),
    replayedAt: row.replayedAt?.toISOString() ?? null,
    envelope: row.envelope,
  });
  return {
    module,
    async record(consumer, envelope, error, attempts) {
      const message = describeError(error);
      await db
        .insert(t)
        .values({
          id: randomUUID(),
          eventId: envelope.id,
          consumer,
          eventName: envelope.name,
          eventVersion: envelope.version,
          envelope,
          error: message,
          attempts,
        })
        .onConflictDoUpdate({
          target: [t.eventId, t.consumer],
          set: { error: message, attempts: sql`${t.attempts} + ${attempts}`, failedAt: sql`now()`, replayedAt: null },
        });
    },
    async list({ pendingOnly = false, limit = 100 } = {}) {
      await settleDelivered();
      const rows = await db
        .select()
        .from(t)
        .where(pendingOnly ? isNull(t.replayedAt) : undefined)
        .orderBy(desc(t.failedAt))
        .limit(limit);
      return rows.map(toDeadLetter);
    },
    async get(id) {
      await settleDelivered();
      const [row] = await db.select().from(t).where(eq(t.id, id));
      return row ? toDeadLetter(row) : undefined;
    },
    async markReplayed(id, within) {
      await db.transaction(async (tx) => {
        await tx
          .update(t)
          .set({ replayedAt: sql`now()` })
          .where(and(eq(t.id, id), isNull(t.replayedAt)));
        await within?.(tx);
      });
    },
    async discard(id, within) {
      return db.transaction(async (tx) => {
        const [row] = await tx.delete(t).where(eq(t.id, id)).returning();
        if (!row) return false;
        await within?.(tx, toDeadLetter(row));
        return true;
      });
    },
    async recordReplayFailure(id, error) {
      await db
        .update(t)
        .set({ error: describeError(error), attempts: sql`${t.attempts} + 1`, failedAt: sql`now()` })
        .where(eq(t.id, id));
    },
  };
}

/**
 * An error as an operator needs to read it: its message and each cause's, down the chain, so a failed query says what
 * the database refused (drizzle's own message is only "Failed query: <sql>"); a query's parameters are left out (they
 * may hold sealed personal data, and this text is shown by /ops and the events CLI).
 */
export function describeError(error: unknown): string {
  const parts = errorChain(error, 5).map((e, depth) => {
    if (!(e instanceof Error)) return String(e);
    const message = e.message.replace(/\nparams: [\s\S]*$/, '');
    return depth === 0 ? `${e.name}: ${message}` : message;
  });
  return parts.join(' <- ').slice(0, 2000);
}
