import { sql, type SQL } from 'drizzle-orm';
import { resultRows, type Db, type Executor } from '../db/index.ts';

export const sagaStates = ['running', 'compensating', 'completed', 'compensated', 'stuck'] as const;
export type SagaState = (typeof sagaStates)[number];

/** Where one step stands: `attempted` once its compensation intent is recorded (its invoke may have happened). */
export interface StepRecord {
  status: 'attempted' | 'done' | 'failed' | 'compensated';
  result?: unknown;
  /** Why the step failed (`failed`, and `compensated` after it): the problem code when the participant gave one, and the message. */
  error?: StepFailure;
}

/** The failure that turned a saga to compensation, as its compensations see it. */
export interface StepFailure {
  step: string;
  code: string | null;
  message: string;
  timedOut: boolean;
}

export interface SagaRow {
  id: string;
  name: string;
  state: SagaState;
  input: unknown;
  /** Running: the next step to invoke. Compensating: the highest step that may still need undoing. */
  cursor: number;
  steps: Record<string, StepRecord>;
  /** Attempts of the current action. */
  attempts: number;
  lastError: string | null;
  nextAt: string;
  leaseOwner: string | null;
  leaseUntil: string | null;
  startedAt: string;
  updatedAt: string;
  endedAt: string | null;
  /** The W3C trace context of the request that started the saga: its steps' spans continue that trace. */
  traceparent: string | null;
}

export interface HistoryEntry {
  step?: string | null;
  action: string;
  outcome: string;
  attempt?: number;
  detail?: Record<string, unknown>;
}

export interface HistoryRow extends Required<Omit<HistoryEntry, 'step'>> {
  seq: number;
  at: string;
  step: string | null;
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());
const json = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : v);

function toRow(r: Record<string, unknown>): SagaRow {
  return {
    id: r.id as string,
    name: r.name as string,
    state: r.state as SagaState,
    input: json(r.input),
    cursor: Number(r.cursor),
    steps: json(r.steps) as Record<string, StepRecord>,
    attempts: Number(r.attempts),
    lastError: (r.last_error as string | null) ?? null,
    nextAt: iso(r.next_at) ?? '',
    leaseOwner: (r.lease_owner as string | null) ?? null,
    leaseUntil: iso(r.lease_until),
    startedAt: iso(r.started_at) ?? '',
    updatedAt: iso(r.updated_at) ?? '',
    endedAt: iso(r.ended_at),
    traceparent: (r.traceparent as string | null | undefined) ?? null,
  };
}

/** The saga tables of one module's schema, in plain SQL (they are generated per schema, like the audit trail's). */
export function createSagaStore(schema: string, db: Db) {
  const sagas = sql`${sql.identifier(schema)}.${sql.identifier('sagas')}`;
  const history = sql`${sql.identifier(schema)}.${sql.identifier('saga_history')}`;
  const nameIn = (names: readonly string[]) =>
    sql`(${sql.join(
      names.map((n) => sql`${n}`),
      sql`, `,
    )})`;
  const rows = async (ex: Executor, q: SQL) => resultRows<Record<string, unknown>>(await ex.execute(q)).map(toRow);
  const addHistory = async (ex: Executor, id: string, entries: readonly HistoryEntry[]) => {
    for (const e of entries)
      await ex.execute(
        sql`insert into ${history} (saga_id, step, action, outcome, attempt, detail) values (${id}, ${e.step ?? null}, ${e.action}, ${e.outcome}, ${e.attempt ?? 0}, ${JSON.stringify(e.detail ?? {})}::jsonb)`,
      );
  };
  return {
    db,
    /** Inserts a new saga in `tx` (the business change's transaction); false when one with this id exists. */
    async insert(tx: Executor, id: string, name: string, input: unknown, traceparent?: string): Promise<boolean> {
      const inserted = await rows(
        tx,
        sql`insert into ${sagas} (id, name, state, input, cursor, traceparent)
          values (${id}, ${name}, 'running', ${JSON.stringify(input)}::jsonb, 0, ${traceparent ?? null}) on conflict (id) do nothing returning *`,
      );
      if (inserted.length > 0) await addHistory(tx, id, [{ action: 'start', outcome: 'started' }]);
      return inserted.length > 0;
    },
    /** Takes up to `limit` due sagas whose lease is free or expired, for `owner`, skipping rows another claim holds. */
    claim(owner: string, leaseMs: number, limit: number, names: readonly string[]): Promise<SagaRow[]> {
      return rows(
        db,
        sql`update ${sagas} set lease_owner = ${owner}, lease_until = now() + (${leaseMs})::float8 * interval '1 millisecond'
            where id in (select id from ${sagas} where state in ('running', 'compensating') and next_at <= now()
              and (lease_until is null or lease_until < now()) and name in ${nameIn(names)}
              order by next_at limit ${limit} for update skip locked)
            returning *`,
      );
    },
    /**
     * Milliseconds until the earliest unfinished saga of `names` can be claimed (its `next_at`, or its lease's end when
     * later); `undefined` when there is none.
     */
    async nextDue(names: readonly string[]): Promise<number | undefined> {
      const [row] = resultRows<{ ms: number | string | null }>(
        await db.execute(
          sql`select extract(epoch from (min(greatest(next_at, coalesce(lease_until, next_at))) - now())) * 1000 as ms
              from ${sagas} where state in ('running', 'compensating') and name in ${nameIn(names)}`,
        ),
      );
      return row?.ms === null || row?.ms === undefined ? undefined : Math.max(0, Number(row.ms));
    },
    /** Extends `owner`'s lease; false when it was lost (expired and taken over). */
    async renew(id: string, owner: string, leaseMs: number): Promise<boolean> {
      const r = await db.execute(
        sql`update ${sagas} set lease_until = now() + (${leaseMs})::float8 * interval '1 millisecond' where id = ${id} and lease_owner = ${owner} returning id`,
      );
      return resultRows(r).length > 0;
    },
    /**
     * Writes `row`'s state and the history entries in one transaction, only while `owner` holds the lease; false
     * when it does not (the saga was taken over: the caller stops driving it). `release` gives the lease up.
     */
    async save(row: SagaRow, owner: string, entries: readonly HistoryEntry[], options: { delayMs?: number; release?: boolean } = {}): Promise<boolean> {
      // A stuck saga is held, not ended: it gives its lease up but has no `ended_at` (retention and the operator's
      // list go by it) until an operator's retry or resolve ends it.
      const ended = row.state === 'completed' || row.state === 'compensated';
      const releasing = options.release || ended || row.state === 'stuck';
      return db.transaction(async (tx) => {
        const r = await tx.execute(
          sql`update ${sagas} set state = ${row.state}, cursor = ${row.cursor}, steps = ${JSON.stringify(row.steps)}::jsonb, attempts = ${row.attempts},
                last_error = ${row.lastError}, next_at = now() + (${options.delayMs ?? 0})::float8 * interval '1 millisecond', updated_at = now(),
                ended_at = ${ended ? sql`now()` : sql`null`},
                lease_owner = ${releasing ? null : owner}, lease_until = ${releasing ? sql`null` : sql`lease_until`}
              where id = ${row.id} and lease_owner = ${owner} returning id`,
        );
        if (resultRows(r).length === 0) return false;
        await addHistory(tx, row.id, entries);
        return true;
      });
    },
    /** Gives a lease up without changing anything (the host is stopping). */
    async release(id: string, owner: string): Promise<void> {
      await db.execute(sql`update ${sagas} set lease_owner = null, lease_until = null where id = ${id} and lease_owner = ${owner}`);
    },
    async get(ex: Executor, id: string, lock = false): Promise<SagaRow | undefined> {
      return (await rows(ex, sql`select * from ${sagas} where id = ${id} ${lock ? sql`for update` : sql``}`))[0];
    },
    list(state: SagaState | undefined, limit: number): Promise<SagaRow[]> {
      return rows(db, sql`select * from ${sagas} ${state ? sql`where state = ${state}` : sql``} order by updated_at desc limit ${limit}`);
    },
    async history(id: string): Promise<HistoryRow[]> {
      const r = resultRows<Record<string, unknown>>(await db.execute(sql`select * from ${history} where saga_id = ${id} order by seq`));
      return r.map((h) => ({
        seq: Number(h.seq),
        at: iso(h.at) ?? '',
        step: (h.step as string | null) ?? null,
        action: h.action as string,
        outcome: h.outcome as string,
        attempt: Number(h.attempt),
        detail: json(h.detail) as Record<string, unknown>,
      }));
    },
    async counts(): Promise<Record<SagaState, number>> {
      const r = resultRows<{ state: SagaState; n: unknown }>(await db.execute(sql`select state, count(*) as n from ${sagas} group by state`));
      const counts = Object.fromEntries(sagaStates.map((s) => [s, 0])) as Record<SagaState, number>;
      for (const { state, n } of r) counts[state] = Number(n);
      return counts;
    },
    /** An operator's change in `tx`: a new state, the lease cleared, the attempts reset, and its history entry. */
    async override(tx: Executor, row: SagaRow, state: SagaState, entry: HistoryEntry): Promise<void> {
      const ended = state === 'completed' || state === 'compensated';
      await tx.execute(
        sql`update ${sagas} set state = ${state}, attempts = 0, next_at = now(), updated_at = now(), lease_owner = null, lease_until = null,
              ended_at = ${ended ? sql`now()` : sql`null`} where id = ${row.id}`,
      );
      await addHistory(tx, row.id, [entry]);
    },
  };
}

export type SagaStore = ReturnType<typeof createSagaStore>;
