import process from 'node:process';
import { describe, expect, it } from 'vitest';
import { postgresUrl, redisUrl } from '../support/databases.ts';
import { runCrashPoint, type CrashRunReport } from './support/crash-run.ts';

/**
 * Every step boundary of the real checkout saga (open-order → reserve-stock → authorize-payment → confirm-order →
 * capture-payment → commit-stock → complete-order) and its compensations, as `<at>:<step>` trace points.
 */
const points = [
  'intent-recorded:reserve-stock',
  'invoked:reserve-stock',
  'recorded:reserve-stock',
  'invoked:authorize-payment',
  'recorded:authorize-payment',
  'invoked:confirm-order',
  'recorded:confirm-order',
  'invoked:capture-payment',
  'invoked:commit-stock',
  'invoked:complete-order',
  // Declined and out-of-stock orders turn back through these.
  'compensating:authorize-payment',
  'recorded-compensation:open-order',
];
const repeats = Number(process.env.CHECKOUT_CRASH_REPEATS ?? 2);
/**
 * `CHECKOUT_CRASH_SPREAD=1`: each point once, killed the first or the second time it is passed, alternating from one
 * point to the next (half the cells, both moments still crossed; `.ci/run`, which has a time limit).
 */
const spread = process.env.CHECKOUT_CRASH_SPREAD === '1';
/** Cells run side by side: most of a cell is waiting (for the dead process's saga lease to expire, 30 s). */
const concurrency = Number(process.env.CHECKOUT_CRASH_CONCURRENCY ?? 4);
// Run n kills the n-th time the point is passed: another order, another moment.
const cells = points
  .flatMap((point, p) => (spread ? [`checkout:${point}@${(p % 2) + 1}`] : Array.from({ length: repeats }, (_, i) => `checkout:${point}@${i + 1}`)))
  // CHECKOUT_CRASH_CELLS=checkout:invoked:commit-stock@2,… runs only those cells (a replay of failed ones).
  .filter((cell) => !process.env.CHECKOUT_CRASH_CELLS || process.env.CHECKOUT_CRASH_CELLS.split(',').includes(cell));

const outcome = (r: CrashRunReport) =>
  r.died !== 'SIGKILL'
    ? `did not die (${r.died})`
    : !r.reconciliation
      ? 'no reconciliation'
      : r.reconciliation.problems.length === 0
        ? 'reconciled'
        : 'PROBLEMS';

function table(reports: CrashRunReport[]): string {
  const rows = reports.map((r) => {
    const rec = r.reconciliation;
    const counts = rec
      ? `${rec.completed} completed, ${rec.rejected} rejected (${Object.entries(rec.reasons)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ')})`
      : '';
    return `  ${r.crashAt.padEnd(52)} ${outcome(r).padEnd(12)} ${String(r.resubmitted).padStart(2)} resent  ${(r.durationMs / 1000).toFixed(0).padStart(4)} s  ${counts}`;
  });
  return [`  ${'crash point'.padEnd(52)} ${'outcome'.padEnd(12)} resent      time  orders`, ...rows].join('\n');
}

/**
 * The checkout crash matrix (`npm run test:sagas`): for every point, repeated, the monolith on PostgreSQL and BullMQ
 * SIGKILLs itself there (FAULT_SAGA_CRASH_AT), is restarted without the fault on the same database, and the
 * reconciliation checker finds every order completed or rejected, stock and reservations, payments and the ledger
 * agreeing, one message per order.
 */
describe('checkout crash matrix (SIGKILL at each saga step boundary, PostgreSQL + Redis)', () => {
  it('after a restart every order is completed or compensated and the books reconcile', { timeout: 3_600_000 }, async () => {
    if (!postgresUrl || !redisUrl) throw new Error('The checkout crash matrix needs PostgreSQL and Redis: set TEST_DATABASE_URL and TEST_REDIS_URL.');
    const servers = { postgresUrl, redisUrl };
    const began = Date.now();
    const queue = [...cells];
    const reports: CrashRunReport[] = [];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const cell = next;
          const report = await runCrashPoint({ crashAt: cell, ...servers }).catch((error: unknown): CrashRunReport => ({
            crashAt: cell,
            died: `run failed: ${(error as Error).message.slice(0, 300)}`,
            resubmitted: 0,
            reconciliation: undefined,
            durationMs: 0,
            output: '',
          }));
          reports.push(report);
          process.stdout.write(`  ${report.crashAt}: ${outcome(report)} in ${(report.durationMs / 1000).toFixed(0)} s\n`);
        }
      }),
    );
    reports.sort((a, b) => cells.indexOf(a.crashAt) - cells.indexOf(b.crashAt));
    process.stdout.write(`\ncheckout crash matrix: ${reports.length} runs in ${((Date.now() - began) / 1000).toFixed(0)} s\n${table(reports)}\n`);
    const failed = reports.filter((r) => outcome(r) !== 'reconciled');
    for (const r of failed) process.stdout.write(`\n--- ${r.crashAt}: ${r.died} ${JSON.stringify(r.reconciliation?.problems ?? [])}\n${r.output}\n`);
    expect(failed.map((r) => ({ crashAt: r.crashAt, died: r.died, problems: r.reconciliation?.problems }))).toEqual([]);
    expect(reports).toHaveLength(cells.length);
  });
});
