/**
 * HTTP overhead benchmark (DESIGN.md §10): the same small JSON GET against bare node:http, bare Hono and the full
 * Cleave stack, each in its own child process, one after the other, in one run so machine noise mostly cancels in
 * the ratios. Settings: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 50), BENCH_WARMUP (s, default 2),
 * BENCH_PROFILE=1 (write a V8 CPU profile of each server child under bench/results/profiles/).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import process from 'node:process';
import { formatTable, ratio } from './report.ts';
import { runTarget, type RunOptions, type TargetResult } from './run-target.ts';

const targets = [
  { name: 'node:http', file: 'bench/servers/node-http.ts' },
  { name: 'hono', file: 'bench/servers/hono.ts' },
  { name: 'cleave', file: 'bench/servers/cleave.ts' },
] as const;

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

const profileDir = 'bench/results/profiles';
const options: RunOptions = {
  durationS: positiveNumber('BENCH_DURATION', 10),
  warmupS: positiveNumber('BENCH_WARMUP', 2),
  connections: Math.round(positiveNumber('BENCH_CONNECTIONS', 50)),
  nodeFlags: process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
};

process.stdout.write(
  `HTTP benchmark: ${options.connections} connections, ${options.warmupS} s warm-up + ${options.durationS} s per target, ` +
    `${cpus().length} CPUs, Node ${process.version}\n`,
);
const results: TargetResult[] = [];
for (const target of targets) {
  process.stdout.write(`  ${target.name} ...\n`);
  results.push(await runTarget(target.name, target.file, options));
}

const [bare, hono, cleave] = results as [TargetResult, TargetResult, TargetResult];
const ratios = [ratio('hono / node:http', hono, bare, 0.8), ratio('cleave / hono', cleave, hono, 0.5)];
process.stdout.write(`\n${formatTable(results, ratios)}\n`);

const date = new Date();
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/http-${date.toISOString().replace(/[:.]/g, '-')}.json`;
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform };
writeFileSync(file, `${JSON.stringify({ date: date.toISOString(), machine, options, targets: results, ratios }, null, 2)}\n`);
process.stdout.write(`\nresults written to ${file}${options.nodeFlags.length > 0 ? `; CPU profiles in ${profileDir}/` : ''}\n`);

const failed = results.filter((r) => r.problems.length > 0);
for (const r of failed) process.stderr.write(`${r.name}: ${r.problems.join('; ')}\n`);
if (failed.length > 0) process.exit(1);
