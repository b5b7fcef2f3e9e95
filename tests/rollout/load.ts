import process from 'node:process';
import { expect } from 'vitest';
import type { ProcessHost } from '../support/process-host.ts';

/** One request of the load: what it was, on which gateway, in which phase it started and ended, and how it went. */
export interface LoadRecord {
  id: string;
  op: string;
  gateway: number;
  startPhase: number;
  endPhase: number;
  status: number;
  /** The expected status came back. */
  ok: boolean;
  error?: string;
}

export interface PlannedRequest {
  op: string;
  path: string;
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  expect: number;
  /** Told of the answer's body when it had the expected status (e.g. to note a created id). */
  onOk?(body: unknown): void;
}

export interface LoadOptions {
  gateways: readonly string[];
  token: string;
  concurrency: number;
  /** The next request of worker `worker`, its `n`th. */
  plan(n: number, worker: number): PlannedRequest;
  /** The phase the test is in now (a counter the test moves). */
  phase(): number;
}

export interface Load {
  records: LoadRecord[];
  /** Requests that started and ended in `phase`. */
  within(phase: number, op?: string): LoadRecord[];
  stop(): Promise<void>;
}

let sequence = 0;

/**
 * Real requests from `concurrency` workers in a loop, each with its own request id (which the gateway passes on, so
 * the host that served it can be found in the access logs), until `stop`.
 */
export function startLoad(options: LoadOptions): Load {
  const records: LoadRecord[] = [];
  let stopped = false;
  const run = async (worker: number) => {
    for (let n = 0; !stopped; n += 1) {
      const planned = options.plan(n, worker);
      const gateway = (n + worker) % options.gateways.length;
      const id = `load-${process.pid}-${(sequence += 1)}`;
      const startPhase = options.phase();
      const record: LoadRecord = { id, op: planned.op, gateway, startPhase, endPhase: startPhase, status: 0, ok: false };
      try {
        const response = await fetch(`${options.gateways[gateway]}${planned.path}`, {
          method: planned.method ?? 'GET',
          headers: {
            authorization: `Bearer ${options.token}`,
            'x-request-id': id,
            ...(planned.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...planned.headers,
          },
          ...(planned.body === undefined ? {} : { body: JSON.stringify(planned.body) }),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        record.status = response.status;
        record.ok = response.status === planned.expect;
        if (record.ok) planned.onOk?.(text ? (JSON.parse(text) as unknown) : undefined);
        else record.error = text.slice(0, 300);
      } catch (error) {
        record.error = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error);
      }
      record.endPhase = options.phase();
      records.push(record);
    }
  };
  const workers = Array.from({ length: options.concurrency }, (_, w) => run(w));
  return {
    records,
    within: (phase, op) => records.filter((r) => r.startPhase === phase && r.endPhase === phase && (op === undefined || r.op === op)),
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

/** The request ids a host served, from its access log (`REQUEST_LOG=all`). */
export function servedBy(host: ProcessHost): Set<string> {
  const ids = new Set<string>();
  for (const line of host.output().split('\n')) {
    if (!line.includes('"msg":"request"')) continue;
    try {
      const entry = JSON.parse(line) as { requestId?: string };
      if (entry.requestId) ids.add(entry.requestId);
    } catch {
      // A line cut by the pipe's chunking is not a request line of ours.
    }
  }
  return ids;
}

/**
 * Checks `hits` out of `n` against a share `p`: exact at 0 and 1, else within 4.5 standard deviations of the
 * binomial mean (a false alarm about once in 150,000 runs), plus one for rounding.
 */
export function expectBinomial(hits: number, n: number, p: number, what: string): void {
  if (p === 0) return expect(hits, what).toBe(0);
  if (p === 1) return expect(hits, what).toBe(n);
  const mean = n * p;
  const tolerance = 4.5 * Math.sqrt(n * p * (1 - p)) + 1;
  expect(Math.abs(hits - mean), `${what}: ${hits} of ${n}, expected ${mean.toFixed(1)} ± ${tolerance.toFixed(1)}`).toBeLessThanOrEqual(tolerance);
}

/** Waits (polling, generous deadline) until `check` holds. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
