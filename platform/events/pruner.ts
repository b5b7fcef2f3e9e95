import { sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { resultRows } from '../db/index.ts';
import type { Logger } from '../observability/index.ts';
import type { EventTables } from './tables.ts';

export interface RetentionOptions {
  /** Dispatched outbox rows older than this are deleted (a redrive cannot reach further back). */
  outboxMs: number;
  /** Inbox rows older than this are deleted; at least as long as anything that could deliver an event again. */
  inboxMs: number;
  /** Replayed dead letters older than this are deleted; pending ones are kept until someone deals with them. */
  deadLetterMs: number;
}

export interface PruneResult {
  outbox: number;
  inbox: number;
  deadLetters: number;
}

export interface Pruner {
  prune(): Promise<PruneResult>;
  start(intervalMs: number): void;
  stop(): Promise<void>;
  /** The last run, for the operations view. */
  readonly last: (PruneResult & { at: string }) | undefined;
}

const batch = 1000;

/**
 * Keeps a module's delivery tables from growing forever. Deletes in batches of a thousand rows, so a large backlog is
 * worked off without one long lock; rows still needed (undispatched outbox rows, pending dead letters) are never
 * touched.
 */
export function createPruner(db: Db, tables: EventTables, retention: RetentionOptions, log: Logger): Pruner {
  const { outbox, inbox, deadLetters } = tables;
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<PruneResult> | undefined;
  let last: Pruner['last'];
  const ms = (n: number) => sql`now() - (${n} * interval '1 millisecond')`;

  async function drain(statement: () => ReturnType<Db['execute']>): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = resultRows(await statement()).length;
      total += deleted;
      if (deleted < batch) return total;
    }
  }

  async function prune(): Promise<PruneResult> {
    const result = {
      outbox: await drain(() =>
        db.execute(sql`delete from ${outbox} where seq in (
          select seq from ${outbox} where dispatched_at is not null and dispatched_at < ${ms(retention.outboxMs)} limit ${batch}) returning seq`),
      ),
      inbox: await drain(() =>
        db.execute(sql`delete from ${inbox} where (event_id, consumer) in (
          select event_id, consumer from ${inbox} where handled_at < ${ms(retention.inboxMs)} limit ${batch}) returning event_id`),
      ),
      deadLetters: await drain(() =>
        db.execute(sql`delete from ${deadLetters} where id in (
          select id from ${deadLetters} where replayed_at is not null and replayed_at < ${ms(retention.deadLetterMs)} limit ${batch}) returning id`),
      ),
    };
    last = { ...result, at: new Date().toISOString() };
    if (result.outbox + result.inbox + result.deadLetters > 0) log.info(result, 'pruned delivery records past their retention');
    return result;
  }

  const once = () => {
    running ??= prune().finally(() => (running = undefined));
    return running;
  };

  return {
    prune: once,
    start(intervalMs) {
      timer ??= setInterval(() => void once().catch((err: unknown) => log.warn({ err }, 'pruning delivery records failed')), intervalMs);
      timer.unref?.();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running?.catch(() => {});
    },
    get last() {
      return last;
    },
  };
}
