import process from 'node:process';
import { describe, expect, it } from 'vitest';
import { redisServerAvailable } from '../support/redis-server.ts';
import { chaosSeed } from './random.ts';
import { runCheckoutChaos } from './shop/checkout-run.ts';

const postgresUrl = process.env.TEST_DATABASE_URL;
const seed = chaosSeed(process.env.CHAOS_SEED);
const customers = Number(process.env.CHAOS_CUSTOMERS ?? 6);
const loadMs = Number(process.env.CHAOS_LOAD_MS ?? 60_000);
const keepLogs = process.env.CHAOS_KEEP_LOGS === 'true';
const write = (line: string) => process.stdout.write(`${line}\n`);

write(`\n  checkout chaos seed ${seed} (replay with CHAOS_SEED=${seed} npm run test:chaos -- checkout)\n`);

/**
 * Checkouts under SIGKILLs: customers check out against the split shop (payments extracted) while a seeded schedule
 * kills the monolith, the payments process and Redis (appendonly, fsync always) and restarts each. Afterwards every
 * order is completed or rejected, stock fell by what completed orders bought with nothing left reserved, completed
 * orders are captured for their total, rejected ones moved no money, the ledger balances, one message per order.
 */
describe('chaos: checkouts while the monolith, payments and Redis are killed', () => {
  it('every order terminal; stock, payments, ledger and messages reconcile', { timeout: 900_000 }, async () => {
    if (!postgresUrl) throw new Error('The chaos suite needs PostgreSQL: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test).');
    if (!redisServerAvailable()) throw new Error('The chaos suite needs redis-server on PATH (it kills a private one).');
    const report = await runCheckoutChaos({ seed, postgresUrl, customers, loadMs, keepLogs, log: (line) => write(`  ${line}`) });
    const r = report.reconciliation;
    write(
      [
        `\n  checkout chaos run, seed ${report.seed}: ${(report.durationMs / 1000).toFixed(0)} s (load ${(report.loadMs / 1000).toFixed(0)} s, settle ${(report.settleMs / 1000).toFixed(0)} s)`,
        `  orders ${report.orders}: ${r.completed} completed, ${r.rejected} rejected (${Object.entries(r.reasons)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ')}); ${report.retries} requests retried`,
        `  kills: ${Object.entries(report.killsPerTarget)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')}`,
        `  problems: ${r.problems.length === 0 ? 'none' : `\n${r.problems.map((p) => `    ${p}`).join('\n')}`}`,
        `  warnings and errors the processes logged:\n${report.logSummary.map((l) => `  ${l}`).join('\n')}`,
      ].join('\n'),
    );
    if (keepLogs || r.problems.length > 0) write(`  processes' logs kept in ${report.logDir}`);
    expect(report.orders).toBeGreaterThan(0);
    expect(r.completed).toBeGreaterThan(0);
    expect(report.kills.length).toBeGreaterThan(0);
    expect(r.problems).toEqual([]);
  });
});
