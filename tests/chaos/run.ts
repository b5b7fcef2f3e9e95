import { createProducts, type ClientReport } from './client.ts';
import { duplicated, effectsOfEvent, lost, stuck, unaccounted, waitUntilQuiet, type CheckScope, type Measurement } from './checker.ts';
import { runDoubleStall, type DoubleStallReport } from './double-stall.ts';
import { audit, redrive, replayDeadLetters, type ReplayFigures } from './operator.ts';
import { summarizeLogs } from './logs.ts';
import { seededRandom } from './random.ts';
import { paces, startKillLoop, type Kill, type KillLoop } from './schedule.ts';
import { startTopology, targets, type Persistence, type Target } from './topology.ts';

export interface ChaosRunOptions {
  seed: number;
  persistence: Persistence;
  postgresUrl: string;
  /** Products the client creates. */
  products: number;
  /** Over how long the client spreads them (the kills run as long as the client does). */
  loadMs: number;
  /** Keep the processes' logs even when the run passes. */
  keepLogs: boolean;
  log: (line: string) => void;
}

export interface ChaosRunReport {
  seed: number;
  persistence: Persistence;
  durationMs: number;
  loadMs: number;
  /** From the end of the load until quiet (and, without persistence, the repair). */
  settleMs: number;
  quiet: boolean;
  client: ClientReport;
  /** The scheduled kills, in order. */
  kills: Kill[];
  /** Every SIGKILL per target, the double stall's two included. */
  killsPerTarget: Record<Target, number>;
  doubleStall: DoubleStallReport & { effects: number };
  /** Lost as the databases stood after the load settled, before any repair. */
  lostBeforeRepair: number;
  /** Of those, not waiting in a dead letter either: with Redis fsyncing every write this must be 0. */
  unaccountedBeforeRepair: number;
  auditBefore: number;
  /** After the redrive; undefined when no redrive ran (the persistent run needs none). */
  auditAfter: number | undefined;
  republished: number | undefined;
  replayed: Record<'inventory' | 'probe', ReplayFigures>;
  final: Measurement;
  lost: number;
  duplicated: number;
  stuck: number;
  logDir: string;
  /** Warnings and errors the processes logged, counted by message. */
  logSummary: string[];
}

/** Generous: a restart of a Node host on a loaded 2-core machine takes seconds, and the pipeline retries in seconds. */
const settleTimeoutMs = 240_000;

/**
 * One chaos run: starts the system, has the client create products while every target is killed on a seeded schedule
 * (with the double-stall case scripted first), waits until the pipeline is quiet, repairs what an operator would
 * (audit and redrive without persistence, dead-letter replay always) and measures the result. Cleans up whatever
 * happens; the processes' logs are kept when the run fails.
 */
export async function runChaos(options: ChaosRunOptions): Promise<ChaosRunReport> {
  const { log } = options;
  const started = Date.now();
  const random = seededRandom(options.seed).fork(options.persistence);
  const topology = await startTopology({ postgresUrl: options.postgresUrl, persistence: options.persistence, partitions: 4 });
  const { members, admin } = topology;
  const opsOn = (target: Target) => ({ hostUrl: members[target].url, admin });
  const at = () => `+${((Date.now() - started) / 1000).toFixed(1)}s`;
  log(`${at()} ${options.persistence}: system up (logs in ${topology.logDir})`);
  const scope: CheckScope = {
    databases: topology.databases,
    queues: { redisUrl: topology.redisUrl, prefix: topology.prefix, partitions: topology.partitions },
    skuPrefix: `CHAOS-${options.seed}`,
  };
  let passed = false;
  const loops: KillLoop[] = [];
  try {
    // Everything the producer wrote in this run; the audit and redrive look no further back.
    const since = new Date(Date.now() - 60_000);
    const loadStarted = Date.now();
    const kills: Kill[] = [];
    const record = (kill: Kill) => {
      kills.push(kill);
      log(`${at()} SIGKILL ${kill.target}, restarted after ${(kill.downMs / 1000).toFixed(1)} s`);
    };
    const chaos = (target: Target) => loops.push(startKillLoop(members[target], random.fork(target), paces[target], loadStarted, record));
    const client = createProducts({
      baseUrl: members.monolith.url,
      admin,
      skuPrefix: scope.skuPrefix,
      count: options.products,
      spreadMs: options.loadMs,
      concurrency: 4,
      deadline: loadStarted + options.loadMs + settleTimeoutMs,
    });
    chaos('inventory-a');
    chaos('inventory-b');
    chaos('monolith');
    // The probe and Redis are left alone during the double stall, whose job must survive until its second kill.
    const doubleStall = await runDoubleStall({
      probe: members.probe,
      probeDatabase: topology.databases.probe,
      queues: scope.queues,
      stepTimeoutMs: 90_000,
      log: (l) => log(`${at()} ${l}`),
    });
    chaos('probe');
    chaos('redis');
    const clientReport = await client;
    const loadMs = Date.now() - loadStarted;
    log(`${at()} load done: ${clientReport.confirmed} confirmed, ${clientReport.retried} requests retried; stopping the kills`);
    log(`${at()} admin tokens: ${admin.requests.issued} issued, ${admin.requests.failed} token requests failed (identity down)`);
    await Promise.all(loops.splice(0).map((l) => l.stop()));

    const settled = Date.now();
    const first = await waitUntilQuiet(scope, settleTimeoutMs);
    const lostBeforeRepair = lost(first.measurement);
    const unaccountedBeforeRepair = unaccounted(first.measurement);
    const auditBefore = (await audit(opsOn('monolith'), 'catalog', since)).missingCount;
    log(
      `${at()} quiet=${first.quiet}: not delivered ${lostBeforeRepair} before repair (${unaccountedBeforeRepair} not in a dead letter), audit finds ${auditBefore} deliveries missing from the broker`,
    );
    let auditAfter: number | undefined;
    let republished: number | undefined;
    if (options.persistence === 'none') {
      republished = (await redrive(opsOn('monolith'), 'catalog', since)).republished;
      await waitUntilQuiet(scope, settleTimeoutMs);
      auditAfter = (await audit(opsOn('monolith'), 'catalog', since)).missingCount;
      log(`${at()} redrive re-published ${republished}; audit now finds ${auditAfter} missing`);
    }
    const replayed = { inventory: await replayDeadLetters(opsOn('inventory-a')), probe: await replayDeadLetters(opsOn('probe')) };
    const final = await waitUntilQuiet(scope, settleTimeoutMs);
    const report: ChaosRunReport = {
      seed: options.seed,
      persistence: options.persistence,
      durationMs: Date.now() - started,
      loadMs,
      settleMs: Date.now() - settled,
      quiet: first.quiet && final.quiet,
      client: clientReport,
      kills,
      killsPerTarget: Object.fromEntries(targets.map((t) => [t, members[t].kills])) as Record<Target, number>,
      doubleStall: { ...doubleStall, effects: doubleStall.eventId ? await effectsOfEvent(topology.databases.probe, doubleStall.eventId) : 0 },
      lostBeforeRepair,
      unaccountedBeforeRepair,
      auditBefore,
      auditAfter,
      republished,
      replayed,
      final: final.measurement,
      lost: lost(final.measurement),
      duplicated: duplicated(final.measurement),
      stuck: stuck(final.measurement),
      logDir: topology.logDir,
      logSummary: [],
    };
    await topology.stop();
    report.logSummary = await summarizeLogs(topology.logDir);
    passed = report.lost === 0 && report.duplicated === 0 && report.stuck === 0;
    return report;
  } finally {
    await Promise.allSettled(loops.map((l) => l.stop()));
    await topology.close(!passed || options.keepLogs);
  }
}
