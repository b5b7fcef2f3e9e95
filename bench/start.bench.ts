/**
 * Start-up benchmark (budget in bench/README.md, "ready after restart ≤ 3 s"): runs `npm start` (the monolith, every module, on
 * PGlite) in a child process and times it from spawn to the first 200 from `/health/ready`: once on an empty data
 * directory (first start: PGlite's initdb, migrations, demo data) and once more on the directory that left
 * (restart). Each round also restarts through tsx, as `npm start` did before it ran a bundle (tools/start/launch.mjs):
 * the baseline the bundle is compared with; and times the floor every start pays: node checking that the bundle is
 * fresh. The restarted host then idles for 15 s: the CPU it uses doing nothing (its background polls) is reported too.
 * Settings: BENCH_ROUNDS (default 3), BENCH_PROFILE=1 (V8 CPU profiles of the starts, see bench/README.md).
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import process from 'node:process';
import { environmentSchema } from '../platform/config/index.ts';
import { readBenchArgs } from './cli-args.ts';
import { treeCpuMs } from './server-cpu.ts';
import { freePort } from './support/free-port.ts';
import { median, positiveNumber } from './support/settings.ts';
import { stopGroup, trackGroup } from './support/stop-group.ts';

readBenchArgs('bench:start', 'The start-up benchmark: npm start until /health/ready answers 200, first start and restart', [
  ['BENCH_ROUNDS', '3', 'rounds; figures are medians over rounds'],
  ['BENCH_PROFILE', 'off', '1 writes V8 CPU profiles of the starts to bench/results/profiles/start-*'],
]);

const root = join(import.meta.dirname, '..');
const resultsDir = join(import.meta.dirname, 'results');
const rounds = Math.round(positiveNumber('BENCH_ROUNDS', 3));
const profile = process.env.BENCH_PROFILE === '1';
const profileDir = join(resultsDir, 'profiles');
const readyTimeoutMs = 120_000;
const budgetMs = 3000;

interface Start {
  /** Spawn to the first 200 from /health/ready. */
  readyMs: number;
  /** CPU used by the whole process tree (npm, sh, node and its threads) up to that moment. */
  cpuMs: number | undefined;
  /** What the host itself logged as its start-up time (`runHost` start to the ready line, after demo data). */
  hostMs: number | undefined;
  /** CPU the idle process tree used once started (ms per second), when measured: relays', runners' and probes' polls. */
  idleCpuMsPerS?: number | undefined;
}

/** Idle CPU is measured over this window, from this long after ready (start-up's own background work settles first). */
const idleSettleMs = 5000;
const idleWindowMs = 10_000;

/** The environment a user has with nothing set: every variable Cleave reads is removed, so PGlite and all modules. */
function cleanEnvironment(extra: Record<string, string>): Record<string, string> {
  const read = new Set(Object.keys(environmentSchema.shape));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !read.has(key) && !key.endsWith('_DATABASE_URL') && key !== 'NODE_OPTIONS') env[key] = value;
  }
  return { ...env, ...extra };
}

/** `npm start` as a user types it; through the npm that runs this bench when there is one. */
function npmStart(): [string, string[]] {
  const npm = process.env.npm_execpath;
  return npm && /\.[cm]?js$/.test(npm) ? [process.execPath, [npm, 'start', '--silent']] : ['npm', ['start', '--silent']];
}

/**
 * Node refuses `--cpu-prof` in NODE_OPTIONS, so a profiled start runs the `start` script's node command itself, with
 * the profiling flags added (package.json's script is a plain `node <flags> <entry>`).
 */
function profiledEntry(label: string): [string, string[]] {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [command, ...args] = (scripts.start ?? '').split(/\s+/);
  if (command !== 'node') throw new Error(`BENCH_PROFILE needs a start script that runs node directly, not "${scripts.start}"`);
  return [process.execPath, ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, `start-${label}`)}`, ...args]];
}

/** The monolith through tsx, without a bundle: what `npm start` ran before tools/start/launch.mjs (without npm). */
const throughTsx: [string, string[]] = [process.execPath, ['--wasm-tiering-budget=1000000000', '--import', 'tsx', 'apps/monolith/main.ts']];
/** The same through the bundle, without npm: compared with `throughTsx`, the difference the bundle makes. */
const throughBundle: [string, string[]] = [
  process.execPath,
  ['--enable-source-maps', '--wasm-tiering-budget=1000000000', 'tools/start/launch.mjs', 'apps/monolith/main.ts'],
];

async function start(dataDir: string, label: string, entry?: [string, string[]], measureIdle = false): Promise<Start> {
  const port = await freePort();
  const logFile = join(dataDir, `${label}.log`);
  // The child writes its own log file: nothing it prints travels back through this process.
  const log = openSync(logFile, 'w');
  const env = cleanEnvironment({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_FORMAT: 'json' });
  const [command, args] = entry ?? (profile ? profiledEntry(label) : npmStart());
  const started = performance.now();
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', log, log], detached: true });
  trackGroup(child);
  closeSync(log);
  try {
    const readyMs = await waitReady(port, child, started);
    const cpuMs = treeCpuMs(child.pid);
    // The host logs its ready line once demo data is checked, which can come after readiness answers.
    const hostMs = await eventually(() => readyLine(readFileSync(logFile, 'utf8')), 30_000);
    const idleCpuMsPerS = measureIdle ? await idleCpu(child.pid) : undefined;
    await stopGroup(child);
    return { readyMs, cpuMs, hostMs, idleCpuMsPerS };
  } catch (error) {
    await stopGroup(child);
    const tail = readFileSync(logFile, 'utf8').slice(-2000);
    throw new Error(`${label}: ${error instanceof Error ? error.message : String(error)}\n${tail}`, { cause: error });
  }
}

/** CPU per second of the process tree over `idleWindowMs`, while nothing is asked of it. */
async function idleCpu(pid: number | undefined): Promise<number | undefined> {
  await new Promise((resolve) => setTimeout(resolve, idleSettleMs));
  const before = treeCpuMs(pid);
  await new Promise((resolve) => setTimeout(resolve, idleWindowMs));
  const after = treeCpuMs(pid);
  return before === undefined || after === undefined ? undefined : (after - before) / (idleWindowMs / 1000);
}

async function waitReady(port: number, child: ReturnType<typeof spawn>, started: number): Promise<number> {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`npm start exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    if ((await status(port)) === 200) return performance.now() - started;
    if (performance.now() - started > readyTimeoutMs) throw new Error(`not ready within ${readyTimeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The status of GET /health/ready on 127.0.0.1, or 0 while nothing listens. */
function status(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health/ready', agent: false, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

function readyLine(log: string): number | undefined {
  for (const line of log.split('\n')) {
    if (!line.includes('Cleave is ready')) continue;
    try {
      const ms = (JSON.parse(line) as { ms?: unknown }).ms;
      return typeof ms === 'number' ? ms : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** `fn()` once it is defined, polled every 50 ms; undefined after `ms`. */
async function eventually<T>(fn: () => T | undefined, ms: number): Promise<T | undefined> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = fn();
    if (value !== undefined || performance.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** node checking that the bundle is fresh and building nothing: what any `npm start` pays before the first line of Cleave. */
async function floor(): Promise<Start> {
  const started = performance.now();
  const child = spawn(process.execPath, ['tools/start/launch.mjs', 'apps/monolith/main.ts', '--build-only'], {
    cwd: root,
    stdio: 'ignore',
    env: cleanEnvironment({}),
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`tools/start/launch.mjs --build-only exited with ${code}`);
  return { readyMs: performance.now() - started, cpuMs: undefined, hostMs: undefined };
}

process.stdout.write(
  `Start-up benchmark: npm start on PGlite, all modules, ${rounds} round(s), ${cpus().length} CPUs, ` +
    `load average ${loadavg()[0]?.toFixed(1)}, Node ${process.version}\n`,
);
const runs: { first: Start; restart: Start; bundle: Start; tsx: Start; floor: Start }[] = [];
for (let round = 1; round <= rounds; round++) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cleave-start-bench-'));
  try {
    const first = await start(dataDir, `first-${round}`);
    const restart = await start(dataDir, `restart-${round}`, undefined, true);
    const bundle = await start(dataDir, `restart-bundle-${round}`, throughBundle);
    const tsx = await start(dataDir, `restart-tsx-${round}`, throughTsx);
    const base = await floor();
    runs.push({ first, restart, bundle, tsx, floor: base });
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    process.stdout.write(
      `  round ${round}: first start ${s(first.readyMs)}, restart ${s(restart.readyMs)}, without npm: bundle ${s(bundle.readyMs)}, tsx ${s(tsx.readyMs)}, floor ${s(base.readyMs)}; ` +
        `idle after restart ${restart.idleCpuMsPerS?.toFixed(0) ?? 'n/a'} ms CPU/s\n`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const summary = (pick: (r: (typeof runs)[number]) => Start) => ({
  readyMs: median(runs.map((r) => pick(r).readyMs)),
  minMs: Math.min(...runs.map((r) => pick(r).readyMs)),
  maxMs: Math.max(...runs.map((r) => pick(r).readyMs)),
  cpuMs: median(runs.flatMap((r) => pick(r).cpuMs ?? [])),
  hostMs: median(runs.flatMap((r) => pick(r).hostMs ?? [])),
});
const rows = [
  ['first start, empty data dir', summary((r) => r.first)],
  ['restart, existing data dir', summary((r) => r.restart)],
  ['restart without npm: node, the bundle', summary((r) => r.bundle)],
  ['baseline: node --import tsx, no bundle', summary((r) => r.tsx)],
  ['floor: node, bundle fresh, nothing built', summary((r) => r.floor)],
] as const;
const s = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? 'n/a' : (ms / 1000).toFixed(2));
const table = [
  ['', 'ready s (median)', 'min', 'max', 'CPU s to ready', 'host-logged s'],
  ...rows.map(([name, r]) => [name, s(r.readyMs), s(r.minMs), s(r.maxMs), s(r.cpuMs), s(r.hostMs)]),
];
const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
process.stdout.write(`\n${table.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')).join('\n')}\n`);
const restart = rows[1][1];
process.stdout.write(
  `\nready after restart: ${s(restart.readyMs)} s (median)   budget ≤ ${s(budgetMs)} s   ${restart.readyMs <= budgetMs ? 'met' : 'NOT met'}   ` +
    `without npm, bundle / tsx ${(rows[2][1].readyMs / rows[3][1].readyMs).toFixed(2)}\n`,
);
const idle = median(runs.flatMap((r) => r.restart.idleCpuMsPerS ?? []));
process.stdout.write(
  `idle after restart: ${Number.isNaN(idle) ? 'n/a' : idle.toFixed(0)} ms CPU per second (median; the whole tree, ${idleWindowMs / 1000} s from ${idleSettleMs / 1000} s after ready)\n`,
);

const date = new Date();
mkdirSync(resultsDir, { recursive: true });
const file = relative(process.cwd(), join(resultsDir, `start-${date.toISOString().replace(/[:.]/g, '-')}.json`));
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform, loadavg: loadavg() };
writeFileSync(file, `${JSON.stringify({ date: date.toISOString(), machine, rounds: runs, summary: Object.fromEntries(rows), budgetMs }, null, 2)}\n`);
process.stdout.write(`results written to ${file}${profile ? `; CPU profiles in ${relative(process.cwd(), profileDir)}/start-*/` : ''}\n`);
