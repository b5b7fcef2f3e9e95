/**
 * HTTP overhead benchmark (budgets in bench/README.md): the same small JSON GET against bare node:http, bare Hono, Fastify 5 with
 * the features of the full stack (bench/peers/fastify.ts) and the full Cleave stack, each server in its own child
 * process. Every server starts once; then each round drives every target in turn (the order rotating by round), so
 * machine noise falls on all of them alike, and the ratios are taken within a round, then their median.
 * Settings: BENCH_DURATION (s, default 10), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS (default 50), BENCH_ROUNDS
 * (default 3), BENCH_TARGETS (comma-separated names, default all), BENCH_PROFILE=1 (V8 CPU profiles of the servers),
 * BENCH_AUTH=1 (the route behind a bearer access token with a scope: Cleave and Fastify, each verifying ES256 JWTs the
 * same way; the bare servers, which have no auth, answer the open route and are sent a header they do not read).
 * Opt-in targets: `cleave-traced` and `cleave-traced-1%` (tracing on, sampled at 100 % and 1 %, spans batched over
 * OTLP/HTTP to a sink in the server process).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import process from 'node:process';
import { readBenchArgs } from './cli-args.ts';
import { formatTables, ratio, summariseTarget, type Ratio, type RatioSpec } from './report.ts';
import { runRound, startTarget, stopTarget, type RoundResult, type RunOptions, type RunningTarget, type Target } from './run-target.ts';
import { positiveNumber } from './support/settings.ts';
import { authOn } from './servers/shared.ts';

readBenchArgs('bench', 'The HTTP overhead benchmark: a small JSON GET against node:http, Hono, Fastify and the full Cleave stack', [
  ['BENCH_DURATION', '10', 'seconds measured per target and round'],
  ['BENCH_WARMUP', '2', 'seconds of load before each measured run'],
  ['BENCH_CONNECTIONS', '50', 'concurrent keep-alive connections'],
  ['BENCH_ROUNDS', '3', 'rounds; figures are medians over rounds'],
  ['BENCH_TARGETS', 'all', 'comma-separated targets: node:http, hono, fastify, cleave; opt-in cleave-traced, cleave-traced-1%'],
  ['BENCH_PROFILE', 'off', '1 writes V8 CPU profiles of the servers to bench/results/profiles/'],
  ['BENCH_AUTH', 'off', "1 puts the full stacks' route behind a bearer token with a scope (the bare servers stay open)"],
  ['BENCH_RATE_LIMIT', 'on', 'false turns the rate limiting of Cleave off'],
  ['BENCH_METRICS', 'on', 'false turns the metrics of Cleave off'],
  ['BENCH_LOADER', 'bundle', 'tsx runs the servers through tsx instead of an esbuild bundle'],
]);

const allTargets: Target[] = [
  { name: 'node:http', file: 'bench/servers/node-http.ts', fullStack: false },
  { name: 'hono', file: 'bench/servers/hono.ts', fullStack: false },
  { name: 'fastify', file: 'bench/peers/fastify.ts', fullStack: true },
  { name: 'cleave', file: 'bench/servers/cleave.ts', fullStack: true },
  // Tracing on, every request sampled or 1 in 100, spans batched to an OTLP sink (BENCH_TARGETS=cleave,cleave-traced,…).
  { name: 'cleave-traced', file: 'bench/servers/cleave.ts', fullStack: true, env: { BENCH_TRACING: '1' }, optIn: true },
  { name: 'cleave-traced-1%', file: 'bench/servers/cleave.ts', fullStack: true, env: { BENCH_TRACING: '0.01' }, optIn: true },
];

const ratioSpecs: RatioSpec[] = [
  { name: 'hono / node:http, req/s', numerator: 'hono', denominator: 'node:http', metric: 'requestsPerSecond', budget: { op: '>=', value: 0.8 } },
  { name: 'cleave / hono, req/s', numerator: 'cleave', denominator: 'hono', metric: 'requestsPerSecond', budget: { op: '>=', value: 0.5 } },
  { name: 'cleave / fastify, CPU µs/req', numerator: 'cleave', denominator: 'fastify', metric: 'serverCpuUsPerRequest', budget: { op: '<', value: 1 } },
  { name: 'fastify / hono, req/s', numerator: 'fastify', denominator: 'hono', metric: 'requestsPerSecond' },
  { name: 'cleave / fastify, req/s', numerator: 'cleave', denominator: 'fastify', metric: 'requestsPerSecond' },
  { name: 'hono / node:http, CPU µs/req', numerator: 'hono', denominator: 'node:http', metric: 'serverCpuUsPerRequest' },
  { name: 'cleave / hono, CPU µs/req', numerator: 'cleave', denominator: 'hono', metric: 'serverCpuUsPerRequest' },
  { name: 'cleave-traced / cleave, CPU µs/req', numerator: 'cleave-traced', denominator: 'cleave', metric: 'serverCpuUsPerRequest' },
  { name: 'cleave-traced-1% / cleave, CPU µs/req', numerator: 'cleave-traced-1%', denominator: 'cleave', metric: 'serverCpuUsPerRequest' },
  // The budget holds with tracing sampled at 1 % too (DESIGN.md §10); at 100 % every request is exported: recorded only.
  { name: 'cleave-traced-1% / hono, req/s', numerator: 'cleave-traced-1%', denominator: 'hono', metric: 'requestsPerSecond', budget: { op: '>=', value: 0.5 } },
  { name: 'cleave-traced / hono, req/s', numerator: 'cleave-traced', denominator: 'hono', metric: 'requestsPerSecond' },
];

const here = import.meta.dirname;
const resultsDir = join(here, 'results');
const profileDir = join(resultsDir, 'profiles');
const rounds = Math.round(positiveNumber('BENCH_ROUNDS', 3));
const options: RunOptions = {
  durationS: positiveNumber('BENCH_DURATION', 10),
  warmupS: positiveNumber('BENCH_WARMUP', 2),
  connections: Math.round(positiveNumber('BENCH_CONNECTIONS', 50)),
  nodeFlags: process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
};
const wanted = (process.env.BENCH_TARGETS ?? '').split(',').filter(Boolean);
const unknown = wanted.filter((name) => !allTargets.some((t) => t.name === name));
if (unknown.length > 0) throw new Error(`BENCH_TARGETS: unknown ${unknown.join(', ')}; known: ${allTargets.map((t) => t.name).join(', ')}`);
const defaults = allTargets.filter((t) => !t.optIn);
const targets = wanted.length > 0 ? allTargets.filter((t) => wanted.includes(t.name)) : defaults;

// A bound on the whole run: start-ups, every round, stops. Past it, the bench kills its servers and fails.
const deadlineS = targets.length * 130 + rounds * targets.length * (options.warmupS + options.durationS + 15);
setTimeout(() => {
  process.stderr.write(`HTTP bench still running after ${deadlineS} s; stopping its servers\n`);
  process.exit(1);
}, deadlineS * 1000).unref();

process.stdout.write(
  `HTTP benchmark: GET${authOn ? ' with a bearer token' : ''}, ${options.connections} connections, ${options.warmupS} s warm-up + ${options.durationS} s per target and round, ` +
    `${rounds} round(s), ${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(1)}, Node ${process.version}\n`,
);
const running: RunningTarget[] = [];
const results: RoundResult[] = [];
const logged = new Map<string, number | undefined>();
try {
  for (const target of targets) {
    process.stdout.write(`  starting ${target.name} ...\n`);
    running.push(await startTarget(target, options));
  }
  for (let round = 1; round <= rounds; round++) {
    const order = running.map((_, i) => running[(i + round - 1) % running.length] as RunningTarget);
    for (const target of order) {
      const result = await runRound(target, round, options);
      results.push(result);
      const cpu = result.serverCpuUsPerRequest === undefined ? '' : `, ${result.serverCpuUsPerRequest.toFixed(1)} µs CPU/req`;
      process.stdout.write(`  round ${round}: ${target.target.name}: ${Math.round(result.requestsPerSecond).toLocaleString('en-US')} req/s${cpu}\n`);
    }
  }
} finally {
  for (const target of running) logged.set(target.target.name, await stopTarget(target));
}

const summaries = running.map((r) => {
  const problems = [...r.problems];
  const lines = logged.get(r.target.name);
  if (r.target.fullStack && (lines === undefined || lines < r.answered)) problems.push(`logged ${lines ?? 'no'} lines for ${r.answered} requests`);
  return summariseTarget(
    r.target.name,
    results.filter((x) => x.name === r.target.name),
    lines,
    r.answered,
    problems,
  );
});
const ratios = ratioSpecs.flatMap((spec) => ratio(spec, results) ?? []) satisfies Ratio[];
process.stdout.write(`\n${formatTables(summaries, ratios)}\n`);

const date = new Date();
mkdirSync(resultsDir, { recursive: true });
const file = relative(process.cwd(), join(resultsDir, `http-${date.toISOString().replace(/[:.]/g, '-')}.json`));
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform, loadavg: loadavg() };
const record = { date: date.toISOString(), machine, options: { ...options, rounds }, targets: summaries, ratios, rounds: results };
writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
process.stdout.write(`\nresults written to ${file}${options.nodeFlags.length > 0 ? `; CPU profiles in ${relative(process.cwd(), profileDir)}/` : ''}\n`);

const failed = summaries.filter((s) => s.problems.length > 0);
for (const s of failed) process.stderr.write(`${s.name}: ${s.problems.join('; ')}\n`);
process.exit(failed.length > 0 ? 1 : 0);
