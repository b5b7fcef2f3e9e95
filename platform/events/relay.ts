import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { resultRows } from '../db/index.ts';
import { endSpan, outsideContext, SpanKind, tracingOff, type Logger, type Tracing } from '../observability/index.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import type { EventBus } from './bus.ts';
import type { EventDefinition } from './define-event.ts';
import type { EventEnvelope } from './envelope.ts';
import type { EventTables } from './tables.ts';
import { publishedVersions } from './versions.ts';

export interface RelayOptions {
  db: Db;
  tables: EventTables;
  bus: EventBus;
  log: Logger;
  /** Period of the recovery sweep. */
  sweepMs: number;
  /** How long a claim lasts without renewal; the relay renews its claims while their dispatch is alive. */
  leaseMs: number;
  /** Backoff when the bus refuses an event. */
  retry: BackoffOptions;
  /** Most events in flight at once. */
  maxInFlight?: number;
  /** The publishing module's events, so that older versions a producer still serves go out beside the new one. */
  events?: readonly EventDefinition[];
  /** A `send` span per dispatch, under the event's producer span, when tracing is on. */
  tracing?: Tracing;
  /** Told of each event the bus accepted (`true`) or refused (`false`), for metrics. */
  onDispatch?: ((accepted: boolean) => void) | undefined;
}

export interface Relay {
  start(): void;
  stop(): Promise<void>;
  /** Asks for a pass now; called right after a transaction that wrote to the outbox commits. */
  wake(): void;
  readonly running: boolean;
  /** Events handed to the bus and not yet acknowledged. */
  readonly inFlight: number;
  /** Ids of the events in flight (what a forced shutdown abandons; they are dispatched again after a restart). */
  inFlightIds(): string[];
}

interface ClaimedRow {
  seq: number;
  envelope: EventEnvelope;
  attempts: number;
}

/**
 * Moves committed outbox rows to the bus. Each pass claims the oldest pending event of each aggregate key whose head
 * is not already claimed, so events of one key go out strictly in order, one stuck key holds back no other, and a
 * transaction that commits late is never skipped (there is no `seq > last_seen` cursor). Claims are short leases
 * renewed while the dispatch is alive, so a crashed relay's events are taken over within seconds. A row is marked
 * dispatched only after the bus has accepted it (marks are batched), so a crash at any point leads to re-delivery,
 * which consumers' inboxes absorb.
 */
export function createRelay(options: RelayOptions): Relay {
  const { db, tables, bus, log } = options;
  const maxInFlight = options.maxInFlight ?? 256;
  const claimBatch = Math.max(1, Math.floor(maxInFlight / 8));
  const relayId = randomUUID();
  const tracing = options.tracing ?? tracingOff;
  /** The dispatch's span: the relay handing a committed event to the bus (messaging `send`), in the event's trace. */
  const sendSpan = (row: ClaimedRow) =>
    tracing.startSpan(`send ${row.envelope.name}`, {
      kind: SpanKind.PRODUCER,
      traceparent: row.envelope.traceparent,
      attributes: {
        'messaging.system': bus.kind === 'bullmq' ? 'bullmq' : 'cleave',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        'messaging.destination.name': row.envelope.name,
        'messaging.message.id': row.envelope.id,
        'cleave.delivery.attempt': row.attempts + 1,
      },
    });
  const outbox = tables.outbox;
  const inFlight = new Map<number, EventEnvelope>();
  const definitions = options.events ?? [];
  let running = false;
  let pumping = false;
  let again = false;
  /** Whether the last pass saw pending rows it could not claim. */
  let waiting = false;
  let sweep: ReturnType<typeof setInterval> | undefined;
  let renewal: ReturnType<typeof setInterval> | undefined;
  let stopped: Promise<void> | undefined;
  const marks = createMarker(db, tables, log);

  async function claim(limit: number): Promise<ClaimedRow[]> {
    // Heads first, then only the unclaimed ones, then the limit: a claimed head (in flight, or backing off) never
    // takes the place of a free one. SKIP LOCKED lets concurrent relays take different heads instead of queueing on
    // the same rows; a head's row is re-checked after the lock (dispatched_at, claimed_until), so a relay reading an
    // older snapshot never re-claims a row another relay just dispatched. Only heads are considered, so the next
    // event of a key whose head is in flight is never taken. `claimable` counts every pending row free of a live
    // claim in the statement's snapshot (those claimed now included): what exceeds the rows claimed is waiting
    // behind a head in flight, or beyond the limit.
    const result = await db.execute(sql`
      with heads as (
        select distinct on (aggregate_key) seq
        from ${outbox} where dispatched_at is null
        order by aggregate_key, seq
      ), free as (
        select o.seq from ${outbox} o join heads h on h.seq = o.seq
        where o.dispatched_at is null and (o.claimed_until is null or o.claimed_until < now())
          and o.claimed_by is distinct from ${relayId}
        order by o.seq
        limit ${limit}
        for update of o skip locked
      ), claimed as (
        update ${outbox} o
        set claimed_until = now() + (${options.leaseMs} * interval '1 millisecond'), claimed_by = ${relayId}, attempts = o.attempts + 1
        from free f
        where o.seq = f.seq
        returning o.seq, o.envelope, o.attempts
      ), pending as (
        select count(*)::int as claimable from ${outbox}
        where dispatched_at is null and (claimed_until is null or claimed_until < now())
      )
      select c.seq, c.envelope, c.attempts, p.claimable from pending p left join claimed c on true`);
    const rows = resultRows<ClaimedRow & { claimable: number }>(result);
    const claimed = rows
      .filter((r) => r.seq !== null)
      .map((r) => ({ seq: Number(r.seq), envelope: r.envelope, attempts: r.attempts }))
      .sort((a, b) => a.seq - b.seq);
    waiting = Number(rows[0]?.claimable ?? 0) > claimed.length;
    return claimed;
  }

  async function dispatch(row: ClaimedRow): Promise<void> {
    const span = tracing.enabled ? sendSpan(row) : undefined;
    try {
      // Every version the producer serves carries the same event id, so inboxes deduplicate across versions.
      await Promise.all(publishedVersions(row.envelope, definitions).map((envelope) => bus.publish(envelope)));
      span?.end();
      await marks.dispatched(row.seq);
      options.onDispatch?.(true);
    } catch (error) {
      if (span?.isRecording()) endSpan(span, error);
      options.onDispatch?.(false);
      const delay = backoffDelay(row.attempts, options.retry);
      log.warn({ err: error, eventId: row.envelope.id, event: row.envelope.name, attempts: row.attempts, retryInMs: delay }, 'outbox dispatch failed');
      await db
        .update(outbox)
        .set({
          claimedUntil: sql`now() + (${delay} * interval '1 millisecond')`,
          claimedBy: null,
          lastError: String(error instanceof Error ? error.message : error).slice(0, 2000),
        })
        .where(and(eq(outbox.seq, row.seq), isNull(outbox.dispatchedAt)))
        .catch((e: unknown) => log.error({ err: e }, 'outbox release failed'));
    } finally {
      inFlight.delete(row.seq);
      // The next event of this key may have become the head: look again, once there is room for a batch (every claim
      // reads all pending heads, so claiming one row per finished dispatch would cost a scan per event under load).
      // Only when the last pass left rows waiting, or a pass is running now (its snapshot may predate this dispatch's
      // mark): an event committed later wakes the relay itself, so a claim per dispatch would mostly find nothing.
      if (running && (waiting || pumping) && (maxInFlight - inFlight.size >= claimBatch || inFlight.size === 0)) wake();
    }
  }

  async function renew(): Promise<void> {
    const seqs = [...inFlight.keys()];
    if (seqs.length === 0) return;
    await db
      .update(outbox)
      .set({ claimedUntil: sql`now() + (${options.leaseMs} * interval '1 millisecond')` })
      .where(and(inArray(outbox.seq, seqs), eq(outbox.claimedBy, relayId), isNull(outbox.dispatchedAt)))
      .catch((error: unknown) => log.warn({ err: error }, 'outbox claim renewal failed'));
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
          inFlight.set(row.seq, row.envelope);
          void dispatch(row);
        }
      } while (again && running);
    } catch (error) {
      log.error({ err: error }, 'outbox relay pass failed');
    } finally {
      pumping = false;
    }
  }

  // Woken after a request's commit, the pass is no part of that request: it runs outside its context.
  const pumpAlone = () => void pump();
  function wake(): void {
    if (running) outsideContext(pumpAlone);
  }

  return {
    start() {
      if (running) return;
      running = true;
      stopped = undefined;
      sweep = setInterval(wake, options.sweepMs);
      sweep.unref?.();
      renewal = setInterval(() => void renew(), Math.max(50, Math.floor(options.leaseMs / 3)));
      renewal.unref?.();
      wake();
    },
    stop() {
      if (!stopped) {
        running = false;
        if (sweep) clearInterval(sweep);
        stopped = (async () => {
          await waitFor(() => !pumping && inFlight.size === 0);
          if (renewal) clearInterval(renewal);
          await marks.flushed();
        })();
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
    inFlightIds: () => [...inFlight.values()].map((e) => e.id),
  };
}

/**
 * Marks rows dispatched in batches: while one UPDATE runs, the rows acknowledged meanwhile wait and go together in
 * the next, so a busy relay spends one statement on many events.
 */
function createMarker(db: Db, tables: EventTables, log: Logger) {
  let waiting: { seq: number; done: () => void; failed: (e: unknown) => void }[] = [];
  let flushing: Promise<void> | undefined;

  async function flush(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      try {
        await db
          .update(tables.outbox)
          .set({ dispatchedAt: sql`now()`, claimedUntil: null, claimedBy: null, lastError: null })
          .where(
            inArray(
              tables.outbox.seq,
              batch.map((b) => b.seq),
            ),
          );
        for (const b of batch) b.done();
      } catch (error) {
        log.warn({ err: error, rows: batch.length }, 'marking outbox rows dispatched failed; they will be dispatched again');
        for (const b of batch) b.failed(error);
      }
    }
    flushing = undefined;
  }

  return {
    dispatched(seq: number): Promise<void> {
      const promise = new Promise<void>((done, failed) => waiting.push({ seq, done, failed }));
      flushing ??= flush();
      return promise;
    },
    flushed: async () => {
      while (flushing) await flushing;
    },
  };
}

async function waitFor(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 5));
}
