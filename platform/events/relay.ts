import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { endSpan, outsideContext, tracingOff, type Logger, type Tracing } from '../observability/index.ts';
import type { BackoffOptions } from './backoff.ts';
import type { EventBus } from './bus.ts';
import type { EventDefinition } from './define-event.ts';
import type { EventEnvelope } from './envelope.ts';
import type { OutboxClaim, OutboxClaims } from './outbox.ts';
import { claimHeads } from './relay-claim.ts';
import { createHeads, type ClaimedRow } from './relay-heads.ts';
import { createMarker, waitFor } from './relay-marks.ts';
import { giveBackRefused, sendSpan } from './relay-send.ts';
import type { EventTables } from './tables.ts';
import { EventConversionError, publishedVersions } from './versions.ts';

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
  /**
   * The outbox is in an embedded database that this process alone opens and that runs one transaction at a time
   * (PGlite): no other relay claims its rows, and transactions commit in `seq` order. Rows handed over at commit are
   * then checked to head their key in memory, without a query, for as long as the relay knows every pending row to
   * be in its hands.
   */
  exclusive?: boolean;
}

export interface Relay extends OutboxClaims {
  start(): void;
  stop(): Promise<void>;
  /** Asks for a claim pass now; called right after a transaction that wrote to the outbox commits. */
  wake(): void;
  /**
   * Tracks transaction `tx` (call it first thing inside the transaction, at its top level): the outbox rows it writes
   * are claimed for this relay in the statement that writes them (`claimFor`), and after `committed(tx)` those that
   * head their aggregate key are handed to the bus without a claim pass. Not tracked while the relay is stopped. A
   * savepoint of a tracked transaction is tracked with its `parent`: its rows are never claimed as written (the
   * savepoint may roll back alone), and the parent's commit asks for a claim pass for them.
   */
  track(tx: object, parent?: object): void;
  /**
   * After a transaction committed: checks its claimed rows head their keys and hands those to the bus (the others
   * give their claim back and wait for the claim pass), and asks for a claim pass when it (or an untracked
   * transaction) wrote unclaimed rows. A transaction that rolled back is never passed here: its rows do not exist,
   * and what was collected is dropped with it.
   */
  committed(tx?: object): void;
  readonly running: boolean;
  /** Events handed to the bus and not yet acknowledged. */
  readonly inFlight: number;
  /** Ids of the events in flight (what a forced shutdown abandons; they are dispatched again after a restart). */
  inFlightIds(): string[];
  /**
   * Set while this relay's events are refused (e.g. Redis down): since when, how many refusals (each is logged with its
   * reason), and what refused the latest: the bus, or the event's own conversion to an older version its consumers read
   * (`EventConversionError`, a defect of the producer's downcast). Cleared by the next event the bus accepts. The
   * refused events wait in the outbox, backing off.
   */
  readonly refusing: { since: Date; count: number; by: 'bus' | 'conversion' } | undefined;
  /**
   * Set while this relay's passes over the outbox fail (a lock held on the outbox table past the statement timeout,
   * the database refusing): since when, and the latest error (logged each time). Cleared by the next pass that works.
   */
  readonly passFailing: { since: Date; error: unknown } | undefined;
  /** How long the read of the outbox in progress has waited so far (ms), if one is in progress: a lock holds it. */
  readonly claimWaitingMs: number | undefined;
  /**
   * Ends the backoff of every event the bus refused and claims them again now: for when what refused them is over
   * (event routing resumed), rather than leaving them to wait out backoffs of up to `retry.maxMs`.
   */
  retryNow(): Promise<void>;
}

/** What a tracked transaction wrote: rows claimed as written, and whether others wait for a claim pass. */
interface Collected {
  rows: EventEnvelope[];
  unclaimed: boolean;
  /** Set for a savepoint: its writes count as the parent's unclaimed rows. */
  parent?: Collected;
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
  const outbox = tables.outbox;
  const inFlight = new Map<string, EventEnvelope>();
  const definitions = options.events ?? [];
  let running = false;
  let pumping = false;
  let again = false;
  /** Whether the last pass saw pending rows it could not claim. */
  let waiting = false;
  /** A claim pass was asked for (by `wake`) since the last one began. */
  let claimWanted = false;
  /** Rows of tracked transactions, collected as the outbox writes them, by transaction. */
  const tracked = new WeakMap<object, Collected>();
  /** Rows written outside a tracked transaction since the last `committed`: they need a claim pass. */
  let untrackedWrites = false;
  /** Rows of committed transactions, claimed as written, not yet checked to head their key. */
  let unchecked: ClaimedRow[] = [];
  let checking = false;
  /** Rows that head their key, waiting for room in flight, in commit order. */
  let handed: ClaimedRow[] = [];
  /** Event ids of the rows claimed as written that this relay holds (unchecked or handed, not yet in flight). */
  const held = new Set<string>();
  let sweep: ReturnType<typeof setInterval> | undefined;
  let renewal: ReturnType<typeof setInterval> | undefined;
  let stopped: Promise<void> | undefined;
  const marks = createMarker(db, tables, log);
  const heads = createHeads({ db, tables, log, exclusive: options.exclusive === true, leaseMs: options.leaseMs });
  const refused = { db, tables, log, retry: options.retry, onLost: () => heads.lostClaims() };
  let refusing: Relay['refusing'];
  let passFailing: Relay['passFailing'];
  let claimStartedAt: number | undefined;

  /** `clear`: no pending row was left unclaimed, and none is claimed by another relay. */
  async function claim(limit: number): Promise<{ rows: ClaimedRow[]; clear: boolean }> {
    claimStartedAt = Date.now();
    const found = await claimHeads(db, outbox, { relayId, leaseMs: options.leaseMs, limit }).finally(() => (claimStartedAt = undefined));
    waiting = found.claimable > found.rows.length;
    // The rows it refused went out through another replica (or were deleted): nothing waits, so no refusal stands.
    if (found.pending === 0) refusing = undefined;
    return { rows: found.rows, clear: !waiting && found.foreign === 0 };
  }

  async function dispatch(row: ClaimedRow): Promise<void> {
    const span = tracing.enabled ? sendSpan(tracing, bus.kind === 'bullmq' ? 'bullmq' : 'cleave', row) : undefined;
    try {
      // Every version the producer serves carries the same event id, so inboxes deduplicate across versions.
      await Promise.all(publishedVersions(row.envelope, definitions).map((envelope) => bus.publish(envelope)));
      span?.end();
      refusing = undefined;
      await marks.dispatched(row.id);
      options.onDispatch?.(true);
    } catch (error) {
      // Given back below: pending outside this relay's hands.
      heads.forget();
      if (span?.isRecording()) endSpan(span, error);
      refusing = { since: refusing?.since ?? new Date(), count: (refusing?.count ?? 0) + 1, by: error instanceof EventConversionError ? 'conversion' : 'bus' };
      options.onDispatch?.(false);
      await giveBackRefused(refused, row, error);
      // Again once given back: a claim pass whose snapshot still saw it claimed by this relay must not count as clear.
      heads.forget();
    } finally {
      inFlight.delete(row.id);
      heads.drop(row);
      if (handed.length > 0 && running) drain();
      // The next event of this key may have become the head: look again, once there is room for a batch (every claim
      // reads all pending heads, so claiming one row per finished dispatch would cost a scan per event under load).
      // Only when the last pass left rows waiting, a pass is running now (its snapshot may predate this dispatch's
      // mark) or one was asked for while there was no room: an event committed later wakes the relay itself, so a
      // claim per dispatch would mostly find nothing.
      if (running && (waiting || pumping || claimWanted) && (maxInFlight - inFlight.size >= claimBatch || inFlight.size === 0)) wake();
    }
  }

  async function renew(): Promise<void> {
    const ids = [...inFlight.keys(), ...held];
    if (ids.length === 0) return;
    await db
      .update(outbox)
      .set({ claimedUntil: sql`now() + (${options.leaseMs} * interval '1 millisecond')` })
      .where(and(inArray(outbox.id, ids), eq(outbox.claimedBy, relayId), isNull(outbox.dispatchedAt)))
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
        startHanded();
        const room = maxInFlight - inFlight.size;
        if (room <= 0 || !running || !claimWanted) break;
        claimWanted = false;
        const since = heads.passing();
        const pass = await claim(room);
        // A row of its own whose lease lapsed (a renewal that failed) may come back: it is in hand already.
        const rows = pass.rows.filter((r) => !inFlight.has(r.id) && !held.has(r.id));
        for (const row of rows) {
          heads.take(row);
          start(row);
        }
        heads.passed(since, pass.clear, untrackedWrites);
      } while (again && running);
      passFailing = undefined;
    } catch (error) {
      passFailing = { since: passFailing?.since ?? new Date(), error };
      log.error({ err: error }, 'outbox relay pass failed');
    } finally {
      pumping = false;
    }
  }

  function start(row: ClaimedRow): void {
    held.delete(row.id);
    inFlight.set(row.id, row.envelope);
    void dispatch(row);
  }

  /** Starts handed rows while there is room, in order. */
  function startHanded(): void {
    if (!running) return;
    const room = Math.max(0, maxInFlight - inFlight.size);
    const now = room >= handed.length ? handed : handed.slice(0, room);
    handed = room >= handed.length ? [] : handed.slice(room);
    for (const row of now) start(row);
  }

  /**
   * Checks the rows claimed as written against the outbox, many at once (while one check runs, the rows of later
   * commits wait for the next): a row with an earlier pending event of its key (left by a crash, backing off, in
   * another relay's hands, or written earlier in the same transaction) gives its claim back and waits for the claim
   * pass, which takes a key's oldest pending event only; every other row is handed to the bus now. A transaction that
   * commits after the check ran is later in commit order than the row, so the check cannot miss an earlier event.
   * On an exclusive outbox the answer comes from memory while it can (`createHeads`).
   */
  async function checkHeadsNow(): Promise<void> {
    if (checking) return;
    checking = true;
    try {
      while (unchecked.length > 0 && running) {
        const batch = unchecked;
        unchecked = [];
        // From memory the answer comes now, with no turn of the event loop in which the hand could change.
        const answer = heads.behind(batch);
        const behind = answer instanceof Set ? answer : await answer;
        const ahead = batch.filter((r) => !behind.has(r.id));
        for (const row of ahead) heads.take(row);
        handed.push(...ahead);
        startHanded();
        const waiting = batch.filter((r) => behind.has(r.id));
        if (waiting.length > 0) {
          heads.forget();
          for (const row of waiting) held.delete(row.id);
          await release(waiting.map((r) => r.id));
          wake();
        }
      }
    } finally {
      checking = false;
    }
  }

  const checkHeads = () => void checkHeadsNow();

  // Woken after a request's commit, the pass is no part of that request: it runs outside its context.
  const pumpAlone = () => void pump();
  /** Starts handed rows now (not behind a claim pass that may be running), outside the committing request's context. */
  function drain(): void {
    outsideContext(startHanded);
  }
  function wake(): void {
    if (!running) return;
    claimWanted = true;
    outsideContext(pumpAlone);
  }

  /** Gives up claims this relay will not dispatch (handed rows at a stop), so any relay takes them at once. */
  async function release(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await db
      .update(outbox)
      .set({ claimedUntil: null, claimedBy: null })
      .where(and(inArray(outbox.id, ids), eq(outbox.claimedBy, relayId), isNull(outbox.dispatchedAt)))
      .catch((error: unknown) => {
        heads.lostClaims();
        log.warn({ err: error, rows: ids.length }, 'releasing outbox claims failed; they expire with their lease');
      });
    // Pending outside this relay's hands from now on; a claim pass that overlapped the write saw them as its own.
    heads.forget();
  }

  return {
    start() {
      if (running) return;
      running = true;
      stopped = undefined;
      // Recovery only: nothing to recover while every pending row is known to be in hand (see `knowsAll`).
      sweep = setInterval(() => {
        if (!heads.knowsAll()) wake();
      }, options.sweepMs);
      sweep.unref?.();
      renewal = setInterval(() => void renew(), Math.max(50, Math.floor(options.leaseMs / 3)));
      renewal.unref?.();
      wake();
    },
    stop() {
      if (!stopped) {
        running = false;
        heads.forget();
        if (sweep) clearInterval(sweep);
        stopped = (async () => {
          await waitFor(() => !pumping && inFlight.size === 0);
          await waitFor(() => !checking);
          const left = [...held];
          handed = [];
          unchecked = [];
          held.clear();
          heads.clear();
          await release(left);
          if (renewal) clearInterval(renewal);
          await marks.flushed();
        })();
      }
      return stopped;
    },
    wake,
    async retryNow() {
      if (!running) return;
      await db
        .update(outbox)
        .set({ claimedUntil: sql`now()` })
        .where(and(isNull(outbox.dispatchedAt), isNull(outbox.claimedBy), sql`${outbox.claimedUntil} > now()`))
        .catch((error: unknown) => log.warn({ err: error }, 'could not end the backoff of held outbox events; they wait it out'));
      heads.forget();
      wake();
    },
    track(tx, parent) {
      if (!running) return;
      const of = parent ? tracked.get(parent) : undefined;
      if (parent && !of) return;
      tracked.set(tx, of ? { rows: [], unclaimed: false, parent: of } : { rows: [], unclaimed: false });
    },
    claimFor(tx): OutboxClaim | undefined {
      const collected = tracked.get(tx);
      if (!collected || collected.parent) {
        heads.forget();
        if (collected?.parent) collected.parent.unclaimed = true;
        else untrackedWrites = true;
        return undefined;
      }
      return {
        relayId,
        leaseMs: options.leaseMs,
        written: (envelope) => collected.rows.push(envelope),
      };
    },
    committed(tx) {
      const collected = tx ? tracked.get(tx) : undefined;
      if (tx) tracked.delete(tx);
      const waitingRows = untrackedWrites || !collected || collected.unclaimed;
      if (waitingRows) heads.forget();
      untrackedWrites = false;
      const rows = (collected?.rows ?? []).map((envelope) => ({ id: envelope.id, envelope, attempts: 1 }));
      if (!running) {
        // Stopping: the claims are given up, for whichever relay runs next.
        void release(rows.map((r) => r.id));
        return;
      }
      if (rows.length > 0) {
        for (const row of rows) held.add(row.id);
        unchecked.push(...rows);
        outsideContext(checkHeads);
      }
      if (waitingRows) wake();
    },
    get running() {
      return running;
    },
    get inFlight() {
      return inFlight.size;
    },
    inFlightIds: () => [...inFlight.keys()],
    get refusing() {
      return refusing;
    },
    get passFailing() {
      return passFailing;
    },
    get claimWaitingMs() {
      return claimStartedAt === undefined ? undefined : Date.now() - claimStartedAt;
    },
  };
}
