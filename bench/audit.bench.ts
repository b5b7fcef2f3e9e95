/**
 * What the audit trail costs (docs/operations/audit-trail.md): a small transaction (one insert) with and without an audit entry,
 * measured side by side in rounds on PGlite and on PostgreSQL, reported as µs added per audited action; and a flood
 * of refused requests (401) through a host's app (PGlite) with every refusal written (AUDIT_DENIAL_QUEUE=10000),
 * against the same flood with a queue of one (nearly every refusal only counted).
 * Settings: BENCH_ROUNDS (default 5), BENCH_ACTIONS (per round, default 500), BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test; a scratch database is created and dropped; `none` skips PostgreSQL).
 */
import process from 'node:process';
import { sql } from 'drizzle-orm';
import { auditMigrations, createAuditLog } from '../platform/audit/index.ts';
import { migrateSchema, openDatabase, type DatabaseHandle } from '../platform/db/index.ts';
import { catalogModule } from '../modules/catalog/index.ts';
import { createScratchDatabase } from '../tests/support/databases.ts';
import { startTestHost } from '../tests/support/test-host.ts';
import { readBenchArgs } from './cli-args.ts';
import { median, positiveNumber } from './support/settings.ts';

readBenchArgs(
  'bench/audit.bench.ts',
  'The audit trail benchmark: a one-insert transaction with and without an audit entry, on PGlite and PostgreSQL, and a flood of refused requests',
  [
    ['BENCH_ROUNDS', '5', 'rounds; figures are medians over rounds'],
    ['BENCH_ACTIONS', '500', 'transactions per variant and round'],
    ['BENCH_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/test', 'a scratch database is created on this server and dropped; none: PostgreSQL skipped'],
  ],
  'npx tsx bench/audit.bench.ts',
);

const rounds = Math.round(positiveNumber('BENCH_ROUNDS', 5));
const actions = Math.round(positiveNumber('BENCH_ACTIONS', 500));
const postgresUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function measure(name: string, handle: DatabaseHandle): Promise<void> {
  const { db } = handle;
  await migrateSchema(db, 'bench', auditMigrations('bench'));
  await db.execute(sql`create table if not exists bench.things (id serial primary key, n int not null)`);
  const audit = createAuditLog('bench', db);
  const plain: number[] = [];
  const audited: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [withAudit, into] of [
      [false, plain],
      [true, audited],
    ] as const) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < actions; i++) {
        await db.transaction(async (tx) => {
          await tx.execute(sql`insert into bench.things (n) values (${i})`);
          if (withAudit) await audit.record(tx, { action: 'bench.thing-made', target: String(i), outcome: 'success', detail: { i } });
        });
      }
      into.push(Number(process.hrtime.bigint() - start) / 1000 / actions);
    }
  }
  const base = median(plain);
  const withAudit = median(audited);
  console.log(
    `${name}: transaction ${base.toFixed(0)} µs, with an audit entry ${withAudit.toFixed(0)} µs: +${(withAudit - base).toFixed(0)} µs per audited action`,
  );
}

const pglite = await openDatabase({ dataDir: 'memory' });
await measure('PGlite', pglite);
await pglite.close();
if (postgresUrl !== 'none') {
  const scratch = await createScratchDatabase(postgresUrl);
  const postgres = await openDatabase({ url: scratch.url, maxConnections: 4 });
  try {
    await measure('PostgreSQL', postgres);
  } finally {
    await postgres.close();
    await scratch.drop();
  }
}

/** µs per refused request over a flood, and how long after it the last refusal was written. */
async function flood(queue: string): Promise<{ perRequestUs: number; drainedMs: number }> {
  const database = await openDatabase({ dataDir: 'memory' });
  const host = await startTestHost({ database, modules: [catalogModule], env: { AUDIT_DENIAL_QUEUE: queue, LOG_LEVEL: 'silent' } });
  const total = 4000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < total; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, async () =>
        host.app.request('/catalog/v1/products', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      ),
    );
  }
  const answeredNs = Number(process.hrtime.bigint() - started);
  await host.stop();
  const drainedMs = (Number(process.hrtime.bigint() - started) - answeredNs) / 1e6;
  await database.close();
  return { perRequestUs: answeredNs / 1000 / total, drainedMs };
}

const counted: number[] = [];
const written: number[] = [];
let drained = 0;
for (let round = 0; round < Math.min(rounds, 3); round++) {
  counted.push((await flood('1')).perRequestUs);
  const all = await flood('10000');
  written.push(all.perRequestUs);
  drained = Math.max(drained, all.drainedMs);
}
console.log(
  `refusal flood (PGlite, 4000 × 401): ${median(counted).toFixed(0)} µs each when counted, ${median(written).toFixed(0)} µs each when every one is written; the last written ${drained.toFixed(0)} ms after the flood at most`,
);
