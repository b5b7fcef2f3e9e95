import { sql, type SQL } from 'drizzle-orm';
import { resultRows, type Db } from '../db/index.ts';
import type { Logger } from '../observability/index.ts';
import type { KeptTable, RetentionAction, RetentionPlan, RetentionRule } from './retention-plan.ts';

/** One table's outcome in the last run: rows deleted or anonymised, or the error that stopped it. */
export interface RetentionTableRun {
  table: string;
  action: RetentionAction;
  rows: number;
  error?: string;
}

/** The job's state for the operations page and `GET /ops/retention`. */
export interface RetentionStatus {
  module: string;
  intervalMs: number;
  lastRun: { at: string; tables: RetentionTableRun[] } | null;
  /** When the next scheduled run is due; null while the job is not started. */
  nextRun: string | null;
  rules: Omit<RetentionRule, 'age'>[];
  kept: KeptTable[];
}

export interface RetentionJob {
  /** Runs every rule once (or joins the run under way) and returns what each did. */
  run(): Promise<RetentionTableRun[]>;
  start(intervalMs: number): void;
  stop(): Promise<void>;
  status(): RetentionStatus;
}

export interface RetentionJobOptions {
  module: string;
  db: Db;
  plan: RetentionPlan;
  log: Logger;
  /** Rows removed or anonymised, for the metrics. */
  onRows?: (table: string, action: RetentionAction, rows: number) => void;
  /** A run finished at `at` with every table done: a table that failed leaves rows past their retention behind. */
  onRun?: (at: Date) => void;
  /** Rows per statement: small enough that no lock is held long. */
  batch?: number;
}

const id = (name: string) => sql.identifier(name);

/** The first run after start: soon, so that a host has a last run to show (and to measure) within a minute. */
const firstRunAfterMs = 60_000;

function cutoff(rule: RetentionRule): SQL {
  return 'ms' in rule.age ? sql`now() - (${rule.age.ms} * interval '1 millisecond')` : sql`now() - ${rule.age.interval}::interval`;
}

/**
 * One batch of a rule as one statement. Rows are chosen `for update skip locked`, so replicas running the same job
 * at once split the work instead of waiting on (or deadlocking over) each other's rows, and no row is counted twice;
 * `ctid` picks the chosen rows whatever the table's key. A null `agedBy` never compares older, so a row that has not
 * started aging (undispatched, pending) is never touched.
 */
function batchStatement(schema: string, rule: RetentionRule, batch: number): SQL {
  const table = sql`${id(schema)}.${id(rule.table)}`;
  if (rule.belongsTo) {
    // Rows whose owner is gone; the owner's rule ran first. `of r`: only these rows are locked, not the owner table.
    const owner = rule.belongsTo;
    return sql`delete from ${table} where ctid = any(array(
      select r.ctid from ${table} r where not exists (
        select 1 from ${id(schema)}.${id(owner.table)} o where o.${id(owner.references)} = r.${id(owner.column)})
      limit ${batch} for update of r skip locked)) returning 1 as n`;
  }
  const when = Object.entries(rule.onlyWhen).map(
    ([c, values]) =>
      sql` and ${id(c)} in (${sql.join(
        values.map((v) => sql`${v}`),
        sql`, `,
      )})`,
  );
  const expired = sql`${id(rule.agedBy)} < ${cutoff(rule)}${sql.join(when, sql``)}`;
  if (rule.action === 'delete') {
    return sql`delete from ${table} where ctid = any(array(
      select ctid from ${table} where ${expired} limit ${batch} for update skip locked)) returning 1 as n`;
  }
  const columns = Object.entries(rule.anonymise);
  const assignments = sql.join(
    columns.map(([c, v]) => sql`${id(c)} = ${v}`),
    sql`, `,
  );
  // Only rows not yet anonymised, so a run ends and the count means rows changed.
  const pending = sql.join(
    columns.map(([c, v]) => sql`${id(c)} is distinct from ${v}`),
    sql` or `,
  );
  return sql`update ${table} set ${assignments} where ctid = any(array(
    select ctid from ${table} where ${expired} and (${pending}) limit ${batch} for update skip locked)) returning 1 as n`;
}

/**
 * The event store (`es_events`) loses whole streams, never single events: up to `batch` streams whose last event is
 * older than the retention, in one transaction that sets `cleave.expiring_streams`, the only way past the append-only
 * trigger (platform-event-sourcing-0001). A transaction-level advisory lock keeps replicas from deleting the same
 * streams at once (one skips the batch). Read models built from the streams age by the time of the last event they
 * handled (`updated_at`), so a rebuild brings back none of the rows this removed. Returns the events deleted.
 */
async function expireStreams(db: Db, schema: string, rule: RetentionRule, batch: number): Promise<number> {
  if (rule.action !== 'delete') throw new Error(`${schema}.es_events: event streams can only be deleted whole, not anonymised`);
  const table = sql`${id(schema)}.${id('es_events')}`;
  return db.transaction(async (tx) => {
    const [lock] = resultRows<{ held: boolean }>(
      await tx.execute(sql`select pg_try_advisory_xact_lock(hashtext(${`cleave.expiring-streams.${schema}`})) as held`),
    );
    if (!lock?.held) return 0;
    await tx.execute(sql`select set_config('cleave.expiring_streams', 'on', true)`);
    const deleted = await tx.execute(sql`delete from ${table} e using (
        select distinct x."aggregate", x."stream_id" from ${table} x
        where x.${id(rule.agedBy)} < ${cutoff(rule)} and not exists (
          select 1 from ${table} n where n."aggregate" = x."aggregate" and n."stream_id" = x."stream_id" and n.${id(rule.agedBy)} >= ${cutoff(rule)})
        limit ${batch}) old
      where e."aggregate" = old."aggregate" and e."stream_id" = old."stream_id" returning 1 as n`);
    return resultRows(deleted).length;
  });
}

/**
 * A module's retention job: on an interval, deletes (or anonymises) the rows of each declared table that are past
 * their retention, in batches so a large backlog is worked off without one long lock. Replaces the delivery-record
 * pruner: outbox, inbox and dead letters are rules like any other table.
 */
export function createRetentionJob(options: RetentionJobOptions): RetentionJob {
  const { module, db, plan, log } = options;
  const batch = options.batch ?? 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let intervalMs = 0;
  let nextAt: number | undefined;
  let running: Promise<RetentionTableRun[]> | undefined;
  let last: RetentionStatus['lastRun'] = null;

  async function apply(rule: RetentionRule): Promise<RetentionTableRun> {
    let rows = 0;
    const streams = rule.table === 'es_events';
    try {
      for (;;) {
        const changed = streams ? await expireStreams(db, module, rule, batch) : resultRows(await db.execute(batchStatement(module, rule, batch))).length;
        rows += changed;
        if (changed > 0) options.onRows?.(rule.table, rule.action, changed);
        // A batch of streams deletes any number of events: done once one deletes none.
        if (streams ? changed === 0 : changed < batch) return { table: rule.table, action: rule.action, rows };
      }
    } catch (error) {
      log.warn({ err: error, table: `${module}.${rule.table}` }, 'retention job failed on a table');
      return { table: rule.table, action: rule.action, rows, error: error instanceof Error ? error.message : String(error) };
    }
  }

  async function run(): Promise<RetentionTableRun[]> {
    const tables: RetentionTableRun[] = [];
    for (const rule of plan.rules) tables.push(await apply(rule));
    const at = new Date();
    last = { at: at.toISOString(), tables };
    // The metric `CleaveRetentionStale` reads: only a run that did its whole job counts (the database unreachable
    // fails every table, and that must not look like a run).
    if (tables.every((t) => t.error === undefined)) options.onRun?.(at);
    const changed = tables.filter((t) => t.rows > 0);
    if (changed.length > 0) log.info({ tables: changed }, 'removed or anonymised rows past their retention');
    return tables;
  }

  const once = () => {
    running ??= run().finally(() => (running = undefined));
    return running;
  };

  return {
    run: once,
    start(ms) {
      if (timer) return;
      intervalMs = ms;
      // The first run a minute after start (or sooner, with a shorter interval), not a whole interval later: until a
      // host has run once there is no last run for the metric, and a host restarted more often than hourly never would.
      const schedule = (delay: number) => {
        nextAt = Date.now() + delay;
        timer = setTimeout(() => {
          void once()
            .catch((err: unknown) => log.warn({ err }, 'retention job failed'))
            .finally(() => {
              if (timer) schedule(intervalMs);
            });
        }, delay);
        timer.unref?.();
      };
      schedule(Math.min(ms, firstRunAfterMs));
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      nextAt = undefined;
      await running?.catch(() => {});
    },
    status() {
      return {
        module,
        intervalMs,
        lastRun: last,
        nextRun: nextAt === undefined ? null : new Date(nextAt).toISOString(),
        rules: plan.rules.map(({ age: _age, ...rule }) => rule),
        kept: plan.kept,
      };
    },
  };
}
