/**
 * Whether event-sourced aggregates need snapshots yet (docs/modules/ordering.md): the time to load (fold) a stream of N events,
 * next to the time of appending one event to it (load, then append, in one transaction), on PGlite and PostgreSQL.
 * A snapshot is worth adding once loads at the stream lengths a module expects cost a multiple of the append.
 * Settings: BENCH_ROUNDS (default 5), BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; a scratch
 * database is created and dropped; `none` skips PostgreSQL).
 */
import process from 'node:process';
import { z } from 'zod';
import { migrateSchema, openDatabase, type DatabaseHandle } from '../platform/db/index.ts';
import { defineAggregate, eventSourcingMigrations } from '../platform/event-sourcing/index.ts';
import { defineEvent } from '../platform/events/index.ts';
import { createScratchDatabase } from '../tests/support/databases.ts';
import { readBenchArgs } from './cli-args.ts';
import { median, positiveNumber } from './support/settings.ts';

readBenchArgs(
  'bench/event-sourcing.bench.ts',
  'The event sourcing benchmark: loading (folding) a stream of 10 to 5,000 events against appending one, on PGlite and PostgreSQL',
  [
    ['BENCH_ROUNDS', '5', 'rounds; figures are medians over rounds'],
    ['BENCH_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/test', 'a scratch database is created on this server and dropped; none: PostgreSQL skipped'],
  ],
  'npx tsx bench/event-sourcing.bench.ts',
);

const rounds = Math.round(positiveNumber('BENCH_ROUNDS', 5));
const postgresUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const lengths = [10, 100, 1000, 5000];

const added = defineEvent({ name: 'bench.added', version: 1, schema: z.object({ id: z.string(), amount: z.number().int() }), key: (p) => p.id });
const counter = defineAggregate({ name: 'counter', events: { added }, initial: () => 0, evolve: (total, e) => total + e.payload.amount });

async function measure(name: string, { db }: DatabaseHandle): Promise<void> {
  await migrateSchema(db, 'bench', eventSourcingMigrations('bench'));
  for (const length of lengths) {
    const id = `s${length}`;
    // Filled in batches of 500 events per append.
    for (let at = 0; at < length; at += 500) {
      const n = Math.min(500, length - at);
      await db.transaction((tx) =>
        counter.append(
          tx,
          id,
          at,
          Array.from({ length: n }, () => ({ type: 'added' as const, payload: { id, amount: 1 } })),
        ),
      );
    }
    const loads: number[] = [];
    const appends: number[] = [];
    for (let round = 0; round < rounds; round++) {
      let start = process.hrtime.bigint();
      await counter.load(db, id);
      loads.push(Number(process.hrtime.bigint() - start) / 1e6);
      start = process.hrtime.bigint();
      await db.transaction(async (tx) => {
        const { version } = await counter.load(tx, id);
        await counter.append(tx, id, version, [{ type: 'added', payload: { id, amount: 1 } }]);
      });
      appends.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    console.log(`${name}: ${length} events: load ${median(loads).toFixed(2)} ms, load + append ${median(appends).toFixed(2)} ms`);
  }
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
