import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { resultRows } from '../db/index.ts';
import type { Logger } from '../observability/index.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import type { EventBus } from './bus.ts';
import type { EventEnvelope } from './envelope.ts';
import type { EventTables } from './tables.ts';

export interface RelayOptions {
  db: Db;
  tables: EventTables;
  bus: EventBus;
  log: Logger;
  /** Period of the recovery sweep. */
  sweepMs: number;
  /** How long a claimed row is reserved for this relay before another may take it. */
  claimMs: number;
  /** Backoff when the bus refuses an event. */
  retry: BackoffOptions;
  /** Most events in flight at once. */
  maxInFlight?: number;
}

export interface Relay {
  start(): void;
  stop(): Promise<void>;
  /** Asks for a pass now; called right after a transaction that wrote to the outbox commits. */
  wake(): void;
  readonly running: boolean;
  /** Events handed to the bus and not yet acknowledged. */
  readonly inFlight: number;
}

interface ClaimedRow {
  seq: number;
  envelope: EventEnvelope;
  attempts: number;
}

/**
 * Moves committed outbox rows to the bus. Each pass claims only the oldest pending event of each aggregate key,
 * so events of one key go out strictly in order and a transaction that commits late is never skipped (there is
 * no `seq > last_seen` cursor). A row is marked dispatched only after the bus has accepted it, so a crash at any
 * point leads to re-delivery, which consumers' inboxes absorb.
 */
export function createRelay(options: RelayOptions): Relay {
  const { db, tables, bus, log } = options;
  const maxInFlight = options.maxInFlight ?? 256;
  const outbox = tables.outbox;
  const inFlight = new Set<number>();
  let running = false;
  let pumping = false;
  let again = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped: Promise<void> | undefined;

  async function claim(limit: number): Promise<ClaimedRow[]> {
    // The second claimed_until test is on the target row, so PostgreSQL re-checks it after waiting on a
    // concurrent relay's row lock; two relays can never both claim the same row.
    const result = await db.execute(sql`
      with heads as (
        select distinct on (aggregate_key) seq, claimed_until
        from ${outbox} where dispatched_at is null
        order by aggregate_key, seq
      )
      update ${outbox} o
      set claimed_until = now() + (${options.claimMs} * interval '1 millisecond'), attempts = o.attempts + 1
      from heads h
      where o.seq = h.seq
        and (h.claimed_until is null or h.claimed_until < now())
        and (o.claimed_until is null or o.claimed_until < now())
        and o.seq in (select seq from heads order by seq limit ${limit})
      returning o.seq, o.envelope, o.attempts`);
    return resultRows<ClaimedRow>(result)
      .map((r) => ({ ...r, seq: Number(r.seq) }))
      .sort((a, b) => a.seq - b.seq);
  }

  async function dispatch(row: ClaimedRow): Promise<void> {
    try {
      await bus.publish(row.envelope);
      await db
        .update(tables.outbox)
        .set({ dispatchedAt: sql`now()`, claimedUntil: null, lastError: null })
        .where(eq(tables.outbox.seq, row.seq));
    } catch (error) {
      const delay = backoffDelay(row.attempts, options.retry);
      log.warn({ err: error, eventId: row.envelope.id, event: row.envelope.name, attempts: row.attempts, retryInMs: delay }, 'outbox dispatch failed');
      await db
        .update(tables.outbox)
        .set({ claimedUntil: sql`now() + (${delay} * interval '1 millisecond')`, lastError: String(error instanceof Error ? error.message : error) })
        .where(and(eq(tables.outbox.seq, row.seq)))
        .catch((e: unknown) => log.error({ err: e }, 'outbox release failed'));
    } finally {
      inFlight.delete(row.seq);
      // The next event of this key became the head: look again.
      if (running) wake();
    }
  }

  async function pump(): Promise<void> {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        const room = maxInFlight - inFlight.size;
        if (room <= 0 || !running) break;
        const rows = (await claim(room)).filter((r) => !inFlight.has(r.seq));
        for (const row of rows) {
          inFlight.add(row.seq);
          void dispatch(row);
        }
      } while (again && running);
    } catch (error) {
      log.error({ err: error }, 'outbox relay pass failed');
    } finally {
      pumping = false;
    }
  }

  function wake(): void {
    if (running) void pump();
  }

  return {
    start() {
      if (running) return;
      running = true;
      stopped = undefined;
      timer = setInterval(wake, options.sweepMs);
      timer.unref?.();
      wake();
    },
    stop() {
      if (!stopped) {
        running = false;
        if (timer) clearInterval(timer);
        stopped = waitFor(() => !pumping && inFlight.size === 0);
      }
      return stopped;
    },
    wake,
    get running() {
      return running;
    },
    get inFlight() {
      return inFlight.size;
    },
  };
}

async function waitFor(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 5));
}
