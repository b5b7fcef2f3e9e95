/**
 * Event pipeline throughput and latency (budgets in bench/README.md), every baseline measured in the same run:
 * - BullMQ bus delivering to one consuming module (inbox + one insert per event) vs raw BullMQ, one queue, one worker
 *   doing one INSERT per job;
 * - the relay's hand-off (32 writers committing one event per transaction, each handed to the in-process bus at its
 *   commit) vs the same writers handing their envelopes to the in-process bus themselves after the commit;
 * - the relay draining a backlog of committed rows (recovery: the claim pass) vs the in-process bus alone fed the
 *   same envelopes;
 * - commit → handler start at a steady rate, both buses, both databases (p50, p99);
 * - a burst of events committed at once (one transaction), time until the consumer has handled the last, both buses.
 * Settings: BENCH_EVENTS (default 2000), BENCH_RATE (events/s at steady load, default 50), BENCH_STEADY_S (default 10),
 * BENCH_BURST (default 1000), BENCH_ROUNDS (default 3; figures are medians over rounds, ratios taken within a round),
 * BENCH_PARTS (comma-separated subset of live,throughput,latency,burst), BENCH_DATABASES (subset of pglite,postgres),
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; a scratch database is created and dropped),
 * BENCH_REDIS_URL (default redis://127.0.0.1:6379; a unique prefix, deleted afterwards). Without PostgreSQL or Redis
 * the variants that need them are skipped and said so.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import process from 'node:process';
import { pino } from 'pino';
import { createInProcessBus, type EventBus, type EventEnvelope } from '../platform/events/index.ts';
import { createBullmqBus } from '../platform/events/bullmq-bus.ts';
import { testBullmqOptions } from '../tests/support/buses/bus-kinds.ts';
import { deleteNamespace } from '../tests/support/redis-keys.ts';
import { newKey, openWorld, type World } from '../tests/support/buses/world.ts';
import { createScratchDatabase } from '../tests/support/databases.ts';
import { openDatabase, type DatabaseHandle } from '../platform/db/index.ts';
import { environmentSchema } from '../platform/config/schema.ts';
import { readBenchArgs } from './cli-args.ts';
import { rawBullmqBaseline, type Sample } from './events/raw-bullmq.ts';
import { percentile, reachable } from './events/measure.ts';

readBenchArgs('bench:events', 'The event pipeline benchmark: relay and buses against raw baselines, latency and a burst, on PGlite and PostgreSQL', [
  ['BENCH_ROUNDS', '3', 'rounds; figures are medians over rounds'],
  ['BENCH_PARTS', 'live,throughput,latency,burst', 'which figures'],
  ['BENCH_DATABASES', 'pglite,postgres', 'which databases'],
  ['BENCH_EVENTS', '2000', 'events per throughput run'],
  ['BENCH_RATE', '50', 'events/s at steady load'],
  ['BENCH_STEADY_S', '10', 'seconds of steady load'],
  ['BENCH_BURST', '1000', 'events in the burst'],
  ['BENCH_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/test', 'a scratch database is created on this server and dropped; unreachable: skipped'],
  ['BENCH_REDIS_URL', 'redis://127.0.0.1:6379', 'keys under a random prefix, deleted afterwards; unreachable: BullMQ skipped'],
]);

const events = Number(process.env.BENCH_EVENTS ?? 2000);
const rate = Number(process.env.BENCH_RATE ?? 50);
const steadySeconds = Number(process.env.BENCH_STEADY_S ?? 10);
const burst = Number(process.env.BENCH_BURST ?? 1000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
if (![events, rate, steadySeconds, burst, rounds].every((n) => Number.isInteger(n) && n > 0)) {
  process.stderr.write('BENCH_EVENTS, BENCH_RATE, BENCH_STEADY_S, BENCH_BURST and BENCH_ROUNDS must be positive whole numbers\n');
  process.exit(2);
}
const parts = new Set((process.env.BENCH_PARTS ?? 'live,throughput,latency,burst').split(','));
const wantedDatabases = new Set((process.env.BENCH_DATABASES ?? 'pglite,postgres').split(','));
const postgresUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = pino({ level: 'warn' }, pino.destination({ dest: '/dev/null', sync: false }));
const haveRedis = await reachable(redisUrl);
const havePostgres = await reachable(postgresUrl);
const say = (line: string) => process.stdout.write(`${line}\n`);

interface Setup {
  name: string;
  /** As a host has it: on PGlite, opened by this process alone, the one relay checks handed rows in memory. */
  exclusive: boolean;
  database: DatabaseHandle;
  world: World;
  drop(): Promise<void>;
}

async function openSetup(name: 'pglite' | 'postgres'): Promise<Setup> {
  if (name === 'pglite') {
    const database = await openDatabase({ dataDir: 'memory' });
    return { name, exclusive: true, database, world: await openWorld(database, log), drop: () => database.close() };
  }
  const scratch = await createScratchDatabase(postgresUrl);
  const database = await openDatabase({ url: scratch.url, maxConnections: 20 });
  return {
    name,
    exclusive: false,
    database,
    world: await openWorld(database, log),
    drop: async () => {
      await database.close();
      await scratch.drop();
    },
  };
}

/** A host's defaults where they shape throughput: partitions per consuming module, deliveries per inbox transaction. */
const defaults = environmentSchema.parse({});
const busOf = (kind: 'in-process' | 'bullmq', world: World, namespace: string): EventBus =>
  kind === 'bullmq'
    ? createBullmqBus({
        ...testBullmqOptions({ log, maxAttempts: 5, namespace, deadLetters: world.deadLetters }, redisUrl),
        partitions: defaults.EVENT_PARTITIONS,
      })
    : createInProcessBus({ log, maxAttempts: 5, retry: { baseMs: 50, maxMs: 1000 }, handlerTimeoutMs: 10_000, inboxRetentionMs: 86_400_000 });

const handled = (world: World) => world.outcomes.filter((o) => o.outcome === 'handled').length;
function expect(actual: number, wanted: number, what: string): void {
  if (actual !== wanted) throw new Error(`${what}: ${actual}, expected ${wanted}`);
}

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
  const namespace = `bench-${randomUUID()}`;
  const consumer = world.startProcess(busOf(kind, world, namespace), {
    relay: false,
    consume: true,
    inboxBatch: defaults.EVENT_INBOX_BATCH,
    exclusive: setup.exclusive,
  });
  await consumer.ready;
  const started = performance.now();
  // The consumer's process relays too on the in-process bus; on BullMQ a separate publisher relays.
  const publisher =
    kind === 'bullmq' ? world.startProcess(busOf(kind, world, namespace), { relay: true, consume: false, exclusive: setup.exclusive }) : consumer;
  if (publisher === consumer) consumer.relay.start();
  // Counted in memory, as the raw baseline counts: polling the effects table would load the database under test.
  await until(async () => handled(world) >= events, 600_000);
  const perSecond = events / ((performance.now() - started) / 1000);
  expect((await world.effects()).length, events, 'effects after the relay drained');
  await world.reset();
  if (kind === 'bullmq') await deleteNamespace(redisUrl, namespace);
  return perSecond;
}

/**
 * Events per second of the BullMQ bus alone: the envelopes of `events` committed rows published by a publishing
 * process's bus, 256 at a time, to a consuming process (a host's partitions and inbox batches); what raw BullMQ's
 * figure is set against, without the relay's claim pass sharing the database (that is the drain above).
 */
async function bullmqBusAlone(setup: Setup): Promise<number> {
  const { world } = setup;
  const envelopes: EventEnvelope[] = [];
  for (let i = 0; i < events; i++) envelopes.push(await world.write(newKey(), `Q-${i}`));
  const namespace = `bench-${randomUUID()}`;
  const consumer = world.startProcess(busOf('bullmq', world, namespace), { relay: false, consume: true, inboxBatch: defaults.EVENT_INBOX_BATCH });
  const publisher = world.startProcess(busOf('bullmq', world, namespace), { relay: false, consume: false });
  await Promise.all([consumer.ready, publisher.ready]);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (next < envelopes.length) await publisher.bus.publish(envelopes[next++] as EventEnvelope);
    }),
  );
  await until(async () => handled(world) >= events, 600_000);
  const perSecond = events / ((performance.now() - started) / 1000);
  expect((await world.effects()).length, events, 'effects after the BullMQ bus alone');
  await world.reset();
  await deleteNamespace(redisUrl, namespace);
  return perSecond;
}

/** Events per second of the in-process bus alone, fed the same number of envelopes with the relay's concurrency. */
async function busAlone(setup: Setup): Promise<number> {
  const { world } = setup;
  const envelopes: EventEnvelope[] = [];
  for (let i = 0; i < events; i++) envelopes.push(await world.write(newKey(), `A-${i}`));
  const node = world.startProcess(busOf('in-process', world, 'unused'), { relay: false, consume: true, inboxBatch: defaults.EVENT_INBOX_BATCH });
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

const writers = 32;

/**
 * Events per second from commit to handler with `writers` concurrent writers committing one event per transaction:
 * through the relay's hand-off (`relay`: the row claimed as written, handed to the bus at commit, marked dispatched),
 * or handed to the in-process bus by the writer itself after its commit (the bus alone: no claim, no mark).
 */
async function live(setup: Setup, path: 'relay' | 'bus'): Promise<number> {
  const { world } = setup;
  const node = world.startProcess(busOf('in-process', world, 'unused'), {
    relay: path === 'relay',
    consume: true,
    handoff: path === 'relay',
    exclusive: setup.exclusive,
    inboxBatch: defaults.EVENT_INBOX_BATCH,
    sweepMs: defaults.OUTBOX_SWEEP_MS,
  });
  await node.ready;
  const started = performance.now();
  const handedOver: Promise<unknown>[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let i = next++; i < events; i = next++) {
        const envelope = await world.write(newKey(), `L-${i}`);
        if (path === 'bus') handedOver.push(node.bus.publish(envelope));
      }
    }),
  );
  await Promise.all(handedOver);
  await until(async () => handled(world) >= events, 600_000);
  const perSecond = events / ((performance.now() - started) / 1000);
  expect((await world.effects()).length, events, `effects after the ${path} path`);
  await world.reset();
  return perSecond;
}

/** Commit → handler start at a steady rate: the handler notes when it first sees each event. */
async function steadyLatency(setup: Setup, kind: 'in-process' | 'bullmq'): Promise<Sample> {
  const { world } = setup;
  const namespace = `bench-${randomUUID()}`;
  const committed = new Map<string, number>();
  const started = new Map<string, number>();
  world.controls.onCall = (envelope) => {
    if (!started.has(envelope.id)) started.set(envelope.id, performance.now());
  };
  // Writes go through the publishing process's relay as a host's module transactions do (hand-off at commit).
  const consumer = world.startProcess(busOf(kind, world, namespace), {
    relay: kind === 'in-process',
    consume: true,
    handoff: kind === 'in-process',
    exclusive: setup.exclusive,
  });
  await consumer.ready;
  if (kind === 'bullmq')
    await world.startProcess(busOf(kind, world, namespace), { relay: true, consume: false, handoff: true, exclusive: setup.exclusive }).ready;
  const total = rate * steadySeconds;
  const begin = performance.now();
  for (let i = 0; i < total; i++) {
    const due = begin + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // write() returns once the transaction has committed (and before the relay it handed the event to can have sent it).
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

/**
 * A burst: with the consumer (and on BullMQ a separate publishing relay) running and warmed up by 20 events, one
 * transaction commits `burst` events of distinct keys to the outbox, through the publishing relay's hand-off as a
 * host's module transaction does; milliseconds from its commit until the consumer has handled the last of them. The
 * same procedure runs on the code before issue 7 (bench/events-burst-baseline.md), which had no hand-off.
 */
async function burstDrain(setup: Setup, kind: 'in-process' | 'bullmq'): Promise<number> {
  const { world } = setup;
  const namespace = `bench-${randomUUID()}`;
  const consumer = world.startProcess(busOf(kind, world, namespace), {
    relay: kind === 'in-process',
    consume: true,
    handoff: kind === 'in-process',
    exclusive: setup.exclusive,
  });
  await consumer.ready;
  if (kind === 'bullmq')
    await world.startProcess(busOf(kind, world, namespace), { relay: true, consume: false, handoff: true, exclusive: setup.exclusive }).ready;
  const count = () => handled(world);
  for (let i = 0; i < 20; i++) await world.write(newKey(), `W-${i}`);
  await until(async () => count() >= 20, 60_000);
  const writes = Array.from({ length: burst }, (_, i) => ({ key: newKey(), sku: `B-${i}` }));
  let committed = 0;
  // The commit is timed from inside writeMany's resolution: the hand-off happens right after it.
  await world.writeMany(writes).then(() => (committed = performance.now()));
  await until(async () => count() >= 20 + burst, 600_000);
  const drainMs = performance.now() - committed;
  await world.reset();
  if (kind === 'bullmq') await deleteNamespace(redisUrl, namespace);
  return drainMs;
}

const fmt = (n: number, digits = 0) => n.toFixed(digits);
const median = (values: readonly number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/** One figure's value in each round (a ratio, a p99 or a drain time) and the measurements behind it. */
interface Figure {
  database: string;
  what: string;
  budget: string;
  digits: number;
  rounds: { value: number; parts: number[] }[];
  /** The measured column, from the medians of `parts`. */
  describe(parts: number[]): string;
}
const figures = new Map<string, Figure>();
function record(database: string, what: string, budget: string, digits: number, describe: Figure['describe'], value: number, parts: number[]): void {
  const key = `${database}|${what}`;
  const figure = figures.get(key) ?? { database, what, budget, digits, rounds: [], describe };
  figure.rounds.push({ value, parts });
  figures.set(key, figure);
}

const databases = (['pglite', ...(havePostgres ? ['postgres' as const] : [])] as const).filter((d) => wantedDatabases.has(d));
const buses = ['in-process', ...(haveRedis ? ['bullmq' as const] : [])] as const;
if (!havePostgres) say(`PostgreSQL at ${postgresUrl} not reachable: PostgreSQL variants skipped.`);
if (!haveRedis) say(`Redis at ${redisUrl} not reachable: BullMQ variants skipped.`);
say(`${rounds} rounds; events per throughput run: ${events}; steady load: ${rate}/s for ${steadySeconds} s; burst: ${burst}; ${[...parts].join(', ')}`);
say(
  `load average at start: ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}\n`,
);

for (let round = 0; round < rounds; round++) {
  // The order of the databases alternates by round, so neither always runs first on a machine whose load drifts.
  for (const name of round % 2 === 0 ? databases : [...databases].reverse()) {
    const setup = await openSetup(name);
    try {
      const perSecond = (p: number[]) => `${fmt(p[0] as number)} / ${fmt(p[1] as number)} events/s`;
      if (parts.has('live')) {
        const liveBus = await live(setup, 'bus');
        const liveRelay = await live(setup, 'relay');
        record(name, `relay hand-off + in-process bus / in-process bus alone, ${writers} writers committing`, '≥ 0.9', 2, perSecond, liveRelay / liveBus, [
          liveRelay,
          liveBus,
        ]);
      }
      if (parts.has('throughput')) {
        const alone = await busAlone(setup);
        const relayed = await relayDrain(setup, 'in-process');
        record(name, `relay draining a backlog of ${events} + in-process bus / bus alone (recovery)`, 'reported', 2, perSecond, relayed / alone, [
          relayed,
          alone,
        ]);
        if (haveRedis) {
          const bus = await bullmqBusAlone(setup);
          const ours = await relayDrain(setup, 'bullmq');
          const raw = await rawBullmqBaseline(setup.database, redisUrl, events);
          record(name, 'BullMQ bus alone / raw BullMQ (1 INSERT per job)', '≥ 0.9', 2, perSecond, bus / raw, [bus, raw]);
          record(name, `relay draining a backlog of ${events} + BullMQ bus / raw BullMQ (recovery)`, 'reported', 2, perSecond, ours / raw, [ours, raw]);
        }
      }
      if (parts.has('latency'))
        for (const kind of buses) {
          const sample = await steadyLatency(setup, kind);
          const p = (v: number[]) => `p50 ${fmt(v[0] as number, 1)} ms, p99 ${fmt(v[1] as number, 1)} ms`;
          record(name, `commit → handler p99, ${kind}, ${rate}/s`, '≤ 25 ms', 1, p, sample.p99, [sample.p50, sample.p99]);
        }
      if (parts.has('burst'))
        for (const kind of buses) {
          const ms = await burstDrain(setup, kind);
          const d = (v: number[]) => `${fmt(v[0] as number)} ms (${fmt(burst / ((v[0] as number) / 1000))} events/s)`;
          record(name, `burst of ${burst} drained, ${kind}, ms`, '≤ 0.5 × df23854', 0, d, ms, [ms]);
        }
    } finally {
      await setup.drop();
    }
  }
  say(
    `round ${round + 1} done, load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
}

const header = ['database', 'what', 'measured (medians)', 'per round', 'median', 'budget'];
const rows = [...figures.values()].map((f) => {
  const parts = f.rounds[0]?.parts.map((_, i) => median(f.rounds.map((r) => r.parts[i] as number))) ?? [];
  return [
    f.database,
    f.what,
    f.describe(parts),
    f.rounds.map((r) => fmt(r.value, f.digits)).join(', '),
    fmt(median(f.rounds.map((r) => r.value)), f.digits),
    f.budget,
  ];
});
const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => (r[i] ?? '').length)));
say('');
for (const row of [header, ...rows]) say(row.map((c, i) => c.padEnd(widths[i] as number)).join('  '));
process.exit(0);
