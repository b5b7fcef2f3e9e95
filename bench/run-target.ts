/**
 * Runs one benchmark target: starts its server in a child process, checks one response by hand, drives it with
 * autocannon on loopback (warm-up, then the measured run), and stops the child.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { cpuMs } from './server-cpu.ts';
import { expectedBody, helloPath } from './servers/shared.ts';

export interface RunOptions {
  durationS: number;
  warmupS: number;
  connections: number;
  /** Extra node flags for the server child, e.g. `--cpu-prof`. */
  nodeFlags: string[];
}

export interface TargetResult {
  name: string;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  totalRequests: number;
  /** Server CPU (user + system) per completed request in the measured run; undefined where /proc is missing. */
  serverCpuUsPerRequest: number | undefined;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  /** Why the target's answers cannot be trusted; empty when every response was a 2xx with the expected body. */
  problems: string[];
}

/** Benchmarks the server in `file` (an absolute path, or one relative to the working directory). */
export async function runTarget(name: string, file: string, options: RunOptions): Promise<TargetResult> {
  // From the repository root, where `--import tsx` resolves and the servers' relative paths hold.
  const cwd = join(import.meta.dirname, '..');
  const child = spawn(process.execPath, [...options.nodeFlags, '--import', 'tsx', resolve(file)], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await readyPort(child, child.stdout, 60_000);
    const url = `http://127.0.0.1:${port}${helloPath}`;
    const problems = await checkOnce(url);
    const load = { url, connections: options.connections, expectBody: expectedBody };
    const warmup = await autocannon({ ...load, duration: options.warmupS });
    const cpuBefore = cpuMs(child.pid);
    const result = await autocannon({ ...load, duration: options.durationS });
    const cpuAfter = cpuMs(child.pid);
    for (const [label, run] of [
      ['warm-up', warmup],
      ['run', result],
    ] as const) {
      if (run.non2xx + run.errors + run.timeouts + run.mismatches > 0) {
        problems.push(`${label}: ${run.non2xx} non-2xx, ${run.errors} errors, ${run.timeouts} timeouts, ${run.mismatches} bodies differ`);
      }
    }
    const cpuUs = cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) * 1000 : undefined;
    return summarise(name, result, cpuUs, problems);
  } finally {
    await stop(child);
  }
}

function summarise(name: string, r: Result, cpuUs: number | undefined, problems: string[]): TargetResult {
  return {
    name,
    requestsPerSecond: r.requests.average,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    totalRequests: r.requests.total,
    serverCpuUsPerRequest: cpuUs !== undefined && r.requests.total > 0 ? cpuUs / r.requests.total : undefined,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    mismatches: r.mismatches,
    problems,
  };
}

/** One request before the load: status, media type and body must be what the bare servers answer. */
async function checkOnce(url: string): Promise<string[]> {
  const response = await fetch(url);
  const body = await response.text();
  const problems: string[] = [];
  if (response.status !== 200) problems.push(`status ${response.status}, expected 200`);
  if (!(response.headers.get('content-type') ?? '').startsWith('application/json')) problems.push(`content-type ${response.headers.get('content-type')}`);
  if (body !== expectedBody) problems.push(`body ${body}, expected ${expectedBody}`);
  return problems;
}

function readyPort(child: ChildProcess, stdout: Readable, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not report ready within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => reject(new Error(`server exited with code ${code} before it was ready`)));
    const lines = createInterface({ input: stdout });
    lines.on('line', (line) => {
      const match = /^ready (\d+)$/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      resolve(Number(match[1]));
    });
  });
}

/** SIGTERM, so the child closes cleanly (and writes a CPU profile if asked); SIGKILL if it hangs. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
