/**
 * HTTP overhead benchmark (DESIGN.md §10): the same small JSON GET against bare node:http, bare Hono and the full
 * Cleave stack, each in its own child process, one after the other, in one run so that machine noise mostly cancels
 * in the ratios. Settings: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS (default
 * 50), BENCH_ROUNDS (default 1; more runs the three in turn again and reports each target's median round),
 * BENCH_PROFILE=1 (a V8 CPU profile of each server child under bench/results/profiles/).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import process from 'node:process';
import { formatTable, medianRound, ratio } from './report.ts';
import { runTarget, type RunOptions, type TargetResult } from './run-target.ts';

const here = import.meta.dirname;
const targets = [
  { name: 'node:http', file: join(here, 'servers/node-http.ts') },
  { name: 'hono', file: join(here, 'servers/hono.ts') },
  { name: 'cleave', file: join(here, 'servers/cleave.ts') },
] as const;

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

const resultsDir = join(here, 'results');
const profileDir = join(resultsDir, 'profiles');
const rounds = Math.round(positiveNumber('BENCH_ROUNDS', 1));
const options: RunOptions = {
  durationS: positiveNumber('BENCH_DURATION', 10),
  warmupS: positiveNumber('BENCH_WARMUP', 2),
  connections: Math.round(positiveNumber('BENCH_CONNECTIONS', 50)),
  nodeFlags: process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
};

process.stdout.write(
  `HTTP benchmark: GET, ${options.connections} connections, ${options.warmupS} s warm-up + ${options.durationS} s per target, ` +
    `${rounds} round(s), ${cpus().length} CPUs, Node ${process.version}\n`,
);
const all: TargetResult[][] = targets.map(() => []);
for (let round = 1; round <= rounds; round++) {
  for (const [i, target] of targets.entries()) {
    process.stdout.write(`  round ${round}: ${target.name} ...\n`);
    const result = await runTarget(target.name, target.file, options);
    all[i]?.push(result);
    process.stdout.write(`    ${Math.round(result.requestsPerSecond).toLocaleString('en-US')} req/s\n`);
  }
}

const results = all.map(medianRound);
const [bare, hono, cleave] = results as [TargetResult, TargetResult, TargetResult];
const ratios = [ratio('hono / node:http', hono, bare, 0.8), ratio('cleave / hono', cleave, hono, 0.5)];
process.stdout.write(`\n${formatTable(results, ratios)}\n`);

const date = new Date();
mkdirSync(resultsDir, { recursive: true });
const file = relative(process.cwd(), join(resultsDir, `http-${date.toISOString().replace(/[:.]/g, '-')}.json`));
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform };
const record = { date: date.toISOString(), machine, options: { ...options, rounds }, targets: results, ratios, rounds: all };
writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
process.stdout.write(`\nresults written to ${file}${options.nodeFlags.length > 0 ? `; CPU profiles in ${relative(process.cwd(), profileDir)}/` : ''}\n`);

const failed = all.flat().filter((r) => r.problems.length > 0);
for (const r of failed) process.stderr.write(`${r.name}: ${r.problems.join('; ')}\n`);
if (failed.length > 0) process.exit(1);
