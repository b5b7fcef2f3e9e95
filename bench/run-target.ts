/**
 * One benchmark target's life: its server starts in a child process (bench/support/server-child.ts), answers a few
 * checks by hand, is driven by autocannon on loopback (warm-up, then the measured run) as many rounds as asked, and
 * stops.
 */
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { secureHeaders } from './peers/secure-headers.ts';
import { cpuMs } from './server-cpu.ts';
import { authOn, expectedBody, helloPath, helloPrefix, maxNameLength, securePath, securePrefix } from './servers/shared.ts';
import { startServerChild, stopServerChild, type ServerChild } from './support/server-child.ts';

export interface Target {
  name: string;
  /** Server entry, relative to the repository root. */
  file: string;
  /** Whether it claims the full feature set (request id, security headers, problem+json, one log line a request). */
  fullStack: boolean;
  /** Settings of the server process. */
  env?: Record<string, string>;
  /** Runs only when named in BENCH_TARGETS. */
  optIn?: boolean;
}

export interface RunOptions {
  durationS: number;
  warmupS: number;
  connections: number;
  /** Extra node flags for the server child, e.g. `--cpu-prof`. */
  nodeFlags: string[];
}

export interface RoundResult {
  name: string;
  round: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  totalRequests: number;
  /** Server CPU (user + system) per completed request in the measured run; undefined where /proc is missing. */
  serverCpuUsPerRequest: number | undefined;
  /** Why the round's answers cannot be trusted; empty when every response was a 2xx with the expected body. */
  problems: string[];
}

export interface RunningTarget {
  target: Target;
  url: string;
  /** With BENCH_AUTH=1: the access token the server issued for its secure route. */
  token?: string;
  /** Requests answered so far: checks, warm-ups and measured runs. */
  answered: number;
  /** What the checks before the first round found wrong. */
  problems: string[];
  server: ServerChild;
}

/** Starts the target's server and runs the checks: status, media type, body and, for a full stack, its features. */
export async function startTarget(target: Target, options: RunOptions): Promise<RunningTarget> {
  const server = await startServerChild(target.name, target.file, { nodeFlags: options.nodeFlags, ...(target.env ? { env: target.env } : {}) });
  const token = server.lines.find((l) => l.startsWith('token '))?.slice('token '.length);
  if (secured(target) && !token) throw new Error(`${target.name} issued no access token, which BENCH_AUTH=1 needs of a full stack`);
  const running: RunningTarget = { target, url: `http://127.0.0.1:${server.port}`, answered: 0, problems: [], server, ...(token ? { token } : {}) };
  running.problems.push(...(await checkHello(running)));
  if (target.fullStack) running.problems.push(...(await checkFeatures(running)));
  return running;
}

/** Warm-up, then the measured run, with the server's CPU time read around the measured run. */
export async function runRound(running: RunningTarget, round: number, options: RunOptions): Promise<RoundResult> {
  const load = {
    url: `${running.url}${secured(running.target) ? securePath : helloPath}`,
    connections: options.connections,
    expectBody: expectedBody,
    ...(authOn ? { headers: { authorization: `Bearer ${running.token ?? unreadToken}` } } : {}),
  };
  const warmup = await autocannon({ ...load, duration: options.warmupS });
  const cpuBefore = cpuMs(running.server.child.pid);
  const result = await autocannon({ ...load, duration: options.durationS });
  const cpuAfter = cpuMs(running.server.child.pid);
  running.answered += warmup.requests.total + result.requests.total;
  const problems: string[] = [];
  for (const [label, run] of [
    ['warm-up', warmup],
    ['run', result],
  ] as const) {
    if (run.non2xx + run.errors + run.timeouts + run.mismatches > 0) {
      problems.push(`${label}: ${run.non2xx} non-2xx, ${run.errors} errors, ${run.timeouts} timeouts, ${run.mismatches} bodies differ`);
    }
  }
  const cpuUs = cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) * 1000 : undefined;
  return summarise(running.target.name, round, result, cpuUs, problems);
}

/**
 * SIGTERM, so the child closes cleanly (and writes a CPU profile if asked); SIGKILL if it hangs. Returns the log
 * lines the server reported writing, when it counts them.
 */
export function stopTarget(running: RunningTarget): Promise<number | undefined> {
  return stopServerChild(running.server);
}

function summarise(name: string, round: number, r: Result, cpuUs: number | undefined, problems: string[]): RoundResult {
  return {
    name,
    round,
    requestsPerSecond: r.requests.average,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    totalRequests: r.requests.total,
    serverCpuUsPerRequest: cpuUs !== undefined && r.requests.total > 0 ? cpuUs / r.requests.total : undefined,
    problems,
  };
}

/**
 * With BENCH_AUTH=1 the full stacks answer the secured route, verifying the token; the bare servers (the baselines of
 * the budgets) have no auth and answer the open route, sent a header of a token's size that they do not read, so every
 * target reads requests of about the same size.
 */
function secured(target: Target): boolean {
  return authOn && target.fullStack;
}

/** About the size of the ES256 access tokens the full stacks issue (header, claims, signature). */
const unreadToken = 'x'.repeat(480);

function authorization(running: RunningTarget): Record<string, string> {
  return running.token ? { authorization: `Bearer ${running.token}` } : {};
}

async function get(running: RunningTarget, path: string, headers: Record<string, string> = {}): Promise<{ response: Response; body: string }> {
  const response = await fetch(`${running.url}${path}`, { headers });
  const body = await response.text();
  running.answered++;
  return { response, body };
}

/** One request before the load: status, media type and body must be what the bare servers answer. */
async function checkHello(running: RunningTarget): Promise<string[]> {
  const { response, body } = await get(running, secured(running.target) ? securePath : helloPath, authorization(running));
  const problems: string[] = [];
  if (secured(running.target)) {
    const anonymous = await get(running, securePath);
    if (anonymous.response.status !== 401) problems.push(`without a token: status ${anonymous.response.status}, expected 401`);
  }
  if (response.status !== 200) problems.push(`status ${response.status}, expected 200`);
  if (!(response.headers.get('content-type') ?? '').startsWith('application/json')) problems.push(`content-type ${response.headers.get('content-type')}`);
  if (body !== expectedBody) problems.push(`body ${body}, expected ${expectedBody}`);
  return problems;
}

/**
 * What a full stack must do besides answering: echo a safe request id, send the security headers on every answer,
 * and answer a path parameter that fails validation (400) and an unknown route (404) with RFC 9457 problem+json.
 */
async function checkFeatures(running: RunningTarget): Promise<string[]> {
  const problems: string[] = [];
  const requestId = 'bench-check-1';
  const cases = [
    { path: authOn ? securePath : helloPath, status: 200, code: undefined },
    { path: `${authOn ? securePrefix : helloPrefix}${'x'.repeat(maxNameLength + 1)}`, status: 400, code: 'http/validation-failed' },
    { path: '/bench/v1/no-such-route', status: 404, code: 'http/not-found' },
  ];
  for (const expected of cases) {
    const { response, body } = await get(running, expected.path, { 'x-request-id': requestId, ...authorization(running) });
    const label = `GET ${expected.path.length > 40 ? `${expected.path.slice(0, 40)}…` : expected.path}`;
    if (response.status !== expected.status) problems.push(`${label}: status ${response.status}, expected ${expected.status}`);
    if (response.headers.get('x-request-id') !== requestId)
      problems.push(`${label}: x-request-id ${response.headers.get('x-request-id')}, expected the one sent`);
    for (const [name, value] of Object.entries(secureHeaders)) {
      if (response.headers.get(name) !== value) problems.push(`${label}: ${name} is ${response.headers.get(name)}, expected ${value}`);
    }
    if (expected.code === undefined) continue;
    if (!(response.headers.get('content-type') ?? '').startsWith('application/problem+json'))
      problems.push(`${label}: content-type ${response.headers.get('content-type')}`);
    const problem = JSON.parse(body) as { code?: string; status?: number; requestId?: string; errors?: { location?: string }[] };
    if (problem.code !== expected.code || problem.status !== expected.status || problem.requestId !== requestId) {
      problems.push(`${label}: problem ${body.slice(0, 200)}`);
    }
    if (expected.status === 400 && problem.errors?.[0]?.location !== 'path') problems.push(`${label}: no field error for the path parameter`);
  }
  return problems;
}
