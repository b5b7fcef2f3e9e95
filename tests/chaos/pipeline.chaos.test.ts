import process from 'node:process';
import { describe, expect, it } from 'vitest';
import { redisServerAvailable } from '../support/redis-server.ts';
import { chaosSeed } from './random.ts';
import { formatReport } from './report.ts';
import { runChaos } from './run.ts';
import type { Persistence } from './topology.ts';

const postgresUrl = process.env.TEST_DATABASE_URL;
const seed = chaosSeed(process.env.CHAOS_SEED);
const products = Number(process.env.CHAOS_PRODUCTS ?? 300);
const loadMs = Number(process.env.CHAOS_LOAD_MS ?? 75_000);
const keepLogs = process.env.CHAOS_KEEP_LOGS === 'true';
const write = (line: string) => process.stdout.write(`${line}\n`);

write(`\n  chaos seed ${seed} (replay with CHAOS_SEED=${seed} npm run test:chaos)\n`);

/**
 * The event pipeline under SIGKILLs: the monolith (catalog, the publisher), two inventory replicas, the probe
 * consumer and Redis are killed on a seeded schedule while a client creates products. Nothing may be lost or
 * duplicated: with Redis fsyncing every write, by the pipeline alone; without persistence, after the operator's audit
 * and redrive. Dead letters (the double stall's among them) are replayed by the operator in both runs.
 */
describe('chaos: every product gets exactly one stock item and one probe effect', () => {
  const runs: { persistence: Persistence; name: string }[] = [
    { persistence: 'aof-always', name: 'Redis with appendonly yes and appendfsync always: lost 0 without any redrive' },
    { persistence: 'none', name: 'Redis without persistence: lost 0 after the audit finds the loss and the redrive repairs it' },
  ];

  it.each(runs)('$name', { timeout: 600_000 }, async ({ persistence }) => {
    if (!postgresUrl) throw new Error('The chaos suite needs PostgreSQL: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test).');
    if (!redisServerAvailable()) throw new Error('The chaos suite needs redis-server on PATH (it kills a private one).');
    const report = await runChaos({ seed, persistence, postgresUrl, products, loadMs, keepLogs, log: (line) => write(`  ${line}`) });
    write(`\n  chaos run (${persistence})\n${formatReport(report)}\n`);
    write(`  warnings and errors the processes logged:\n${report.logSummary.map((l) => `  ${l}`).join('\n')}\n`);
    if (keepLogs || report.lost + report.duplicated + report.stuck > 0) write(`  processes' logs kept in ${report.logDir}\n`);
    expect(report.final.products).toBeGreaterThan(0);
    expect(report.doubleStall.outcome).toBe('dead-lettered');
    expect(report.doubleStall.effects).toBe(1);
    // With every write fsynced, whatever was not delivered when the load settled waits in a dead letter: the broker
    // lost nothing, so nothing is left for the audit to find or for a redrive to repair.
    if (persistence === 'aof-always')
      expect({ auditBefore: report.auditBefore, unaccounted: report.unaccountedBeforeRepair }).toEqual({ auditBefore: 0, unaccounted: 0 });
    expect({ lost: report.lost, duplicated: report.duplicated, stuck: report.stuck }).toEqual({ lost: 0, duplicated: 0, stuck: 0 });
  });
});
