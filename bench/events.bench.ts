/**
 * Event pipeline throughput and latency (DESIGN.md §10), every baseline measured in the same run:
 * - BullMQ bus delivering to one consuming module (inbox + one insert per event) vs raw BullMQ, one queue, one worker
 *   doing one INSERT per job;
 * - relay + in-process bus draining the outbox vs the in-process bus alone fed the same envelopes;
 * - commit → handler start at a steady rate, both buses, both databases (p50, p99);
 * - a burst of events committed at once, time until the last is handled.
 * Settings: BENCH_EVENTS (default 2000), BENCH_RATE (events/s at steady load, default 50), BENCH_STEADY_S (default 10),
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; a scratch database is created and dropped),
 * BENCH_REDIS_URL (default redis://127.0.0.1:6379; a unique prefix, deleted afterwards). Without PostgreSQL or Redis
 * the variants that need them are skipped and said so.
 */
import process from 'node:process';
import { pino } from 'pino';
import { createInProcessBus, type EventBus, type EventEnvelope } from '../platform/events/index.ts';
import { createBullmqBus } from '../platform/events/bullmq-bus.ts';
import { deleteNamespace, testBullmqOptions } from '../tests/support/buses/bus-kinds.ts';
import { newKey, openWorld, type World } from '../tests/support/buses/world.ts';
import { createScratchDatabase } from '../tests/support/databases.ts';
import { openDatabase, type DatabaseHandle } from '../platform/db/index.ts';
import { rawBullmqBaseline, type Sample } from './events/raw-bullmq.ts';
import { percentile, reachable } from './events/measure.ts';

const events = Number(process.env.BENCH_EVENTS ?? 2000);
const rate = Number(process.env.BENCH_RATE ?? 50);
const steadySeconds = Number(process.env.BENCH_STEADY_S ?? 10);
if (![events, rate, steadySeconds].every((n) => Number.isInteger(n) && n > 0)) {
  process.stderr.write('BENCH_EVENTS, BENCH_RATE and BENCH_STEADY_S must be positive whole numbers\n');
  process.exit(2);
}
const postgresUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = pino({ level: 'warn' }, pino.destination({ dest: '/dev/null', sync: false }));
const haveRedis = await reachable(redisUrl);
const havePostgres = await reachable(postgresUrl);
const rows: string[][] = [];
const say = (line: string) => process.stdout.write(`${line}\n`);

interface Setup {
  name: string;
  database: DatabaseHandle;
  world: World;
  drop(): Promise<void>;
}

async function openSetup(name: 'pglite' | 'postgres'): Promise<Setup> {
  if (name === 'pglite') {
    const database = await openDatabase({ dataDir: 'memory' });
    return { name, database, world: await openWorld(database, log), drop: () => database.close() };
  }
  const scratch = await createScratchDatabase(postgresUrl);
  const database = await openDatabase({ url: scratch.url, maxConnections: 20 });
  return {
    name,
    database,
    world: await openWorld(database, log),
    drop: async () => {
      await database.close();
      await scratch.drop();
    },
  };
}

const busOf = (kind: 'in-process' | 'bullmq', world: World, namespace: string): EventBus =>
  kind === 'bullmq'
    ? createBullmqBus(testBullmqOptions({ log, maxAttempts: 5, namespace, deadLetters: world.deadLetters }, redisUrl))
    : createInProcessBus({ log, maxAttempts: 5, retry: { baseMs: 50, maxMs: 1000 }, handlerTimeoutMs: 10_000, inboxRetentionMs: 86_400_000 });

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Events per second of the relay draining `events` committed rows through `kind` to the probe consumer. */
async function relayDrain(setup: Setup, kind: 'in-process' | 'bullmq'): Promise<number> {
  const { world } = setup;
  for (let i = 0; i < events; i++) await world.write(newKey(), `B-${i}`);
  const namespace = `bench-${Date.now()}`;
  const consumer = world.startProcess(busOf(kind, world, namespace), { relay: false, consume: true });
  await consumer.ready;
  const started = performance.now();
  // The consumer's process relays too on the in-process bus; on BullMQ a separate publisher relays.
  const publisher = kind === 'bullmq' ? world.startProcess(busOf(kind, world, namespace), { relay: true, consume: false }) : consumer;
  if (publisher === consumer) consumer.relay.start();
  await until(async () => (await world.effects()).length >= events, 600_000);
  const perSecond = events / ((performance.now() - started) / 1000);
  await world.reset();
  if (kind === 'bullmq') await deleteNamespace(redisUrl, namespace);
  return perSecond;
}

/** Events per second of the in-process bus alone, fed the same number of envelopes with the relay's concurrency. */
async function busAlone(setup: Setup): Promise<number> {
  const { world } = setup;
  const envelopes: EventEnvelope[] = [];
  for (let i = 0; i < events; i++) envelopes.push(await world.write(newKey(), `A-${i}`));
  const node = world.startProcess(busOf('in-process', world, 'unused'), { relay: false, consume: true });
  await node.ready;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (next < envelopes.length) await node.bus.publish(envelopes[next++] as EventEnvelope);
    }),
  );
  const perSecond = events / ((performance.now() - started) / 1000);
  await world.reset();
  return perSecond;
}

/** Commit → handler start at a steady rate: the handler notes when it first sees each event. */
async function steadyLatency(setup: Setup, kind: 'in-process' | 'bullmq'): Promise<Sample> {
  const { world } = setup;
  const namespace = `bench-${Date.now()}`;
  const committed = new Map<string, number>();
  const started = new Map<string, number>();
  world.controls.onCall = (envelope) => {
    if (!started.has(envelope.id)) started.set(envelope.id, performance.now());
  };
  const consumer = world.startProcess(busOf(kind, world, namespace), { relay: kind === 'in-process', consume: true });
  await consumer.ready;
  if (kind === 'bullmq') await world.startProcess(busOf(kind, world, namespace), { relay: true, consume: false }).ready;
  const total = rate * steadySeconds;
  const begin = performance.now();
  for (let i = 0; i < total; i++) {
    const due = begin + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // write() returns once the transaction has committed (and before the relay, woken by it, can have dispatched).
    const envelope = await world.write(newKey(), `S-${i}`);
    committed.set(envelope.id, performance.now());
  }
  await until(async () => started.size >= total, 120_000);
  world.controls.onCall = undefined;
  const latencies = [...committed].map(([id, at]) => (started.get(id) as number) - at);
  await world.reset();
  if (kind === 'bullmq') await deleteNamespace(redisUrl, namespace);
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

const fmt = (n: number, digits = 0) => n.toFixed(digits);
const databases = ['pglite', ...(havePostgres ? ['postgres' as const] : [])] as const;
if (!havePostgres) say(`PostgreSQL at ${postgresUrl} not reachable: PostgreSQL variants skipped.`);
if (!haveRedis) say(`Redis at ${redisUrl} not reachable: BullMQ variants skipped.`);
say(`events per throughput run: ${events}; steady load: ${rate}/s for ${steadySeconds} s\n`);

for (const name of databases) {
  const setup = await openSetup(name);
  try {
    const alone = await busAlone(setup);
    const relayed = await relayDrain(setup, 'in-process');
    rows.push([name, 'relay + in-process bus / in-process bus alone', `${fmt(relayed)} / ${fmt(alone)} events/s`, fmt(relayed / alone, 2), '≥ 0.9']);
    if (haveRedis) {
      const ours = await relayDrain(setup, 'bullmq');
      const raw = await rawBullmqBaseline(setup.database, redisUrl, events);
      rows.push([name, 'relay + BullMQ bus / raw BullMQ (1 INSERT per job)', `${fmt(ours)} / ${fmt(raw)} events/s`, fmt(ours / raw, 2), '≥ 0.9']);
    }
    for (const kind of ['in-process', ...(haveRedis ? ['bullmq' as const] : [])] as const) {
      const sample = await steadyLatency(setup, kind);
      rows.push([name, `commit → handler, ${kind}, ${rate}/s`, `p50 ${fmt(sample.p50, 1)} ms, p99 ${fmt(sample.p99, 1)} ms`, '', 'p99 ≤ 25 ms']);
    }
  } finally {
    await setup.drop();
  }
}

const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...[['database', 'what', 'measured', 'ratio', 'budget'], ...rows].map((r) => (r[i] ?? '').length)));
for (const row of [['database', 'what', 'measured', 'ratio', 'budget'], ...rows]) say(row.map((c, i) => c.padEnd(widths[i] as number)).join('  '));
process.exit(0);
