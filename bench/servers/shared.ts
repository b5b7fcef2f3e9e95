/**
 * What the benchmark servers have in common: the route they answer, the exact body, how a server child tells the
 * parent it is listening and shuts down cleanly (so `--cpu-prof` can write its profile on exit), and a log destination
 * that counts its lines, so the parent can check that a full-stack server logged every request.
 */
import process from 'node:process';
import type { DestinationStream } from 'pino';
import { batchedDestination } from '../../platform/observability/index.ts';

/** The path prefix every server answers; the name after it is echoed back. */
export const helloPrefix = '/bench/v1/hello/';

/** The request the parent sends, and the one body every server must answer it with. */
export const helloPath = `${helloPrefix}world`;
export const expectedBody = JSON.stringify({ hello: 'world' });
/** The route behind an access token (scope `bench:read`), for BENCH_AUTH=1. */
export const securePrefix = '/bench/v1/secure/';
export const securePath = `${securePrefix}world`;
/** The bootstrap client's secret on the bench's Cleave hosts (their tokens come from it). */
export const benchAdminSecret = 'bench-admin-secret-not-for-production';
/**
 * A token from the bootstrap client of the Cleave host `fetchFn` reaches (the bench's hosts set its secret): every
 * scope, or only `scope`.
 */
export async function adminToken(fetchFn: (path: string, init: RequestInit) => Promise<Response>, scope?: string): Promise<string> {
  const response = await fetchFn('/identity/v1/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`cleave-admin:${benchAdminSecret}`)}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** Whether this run measures the stacks with auth on (BENCH_AUTH=1). */
export const authOn = process.env.BENCH_AUTH === '1';

/** Longest name the full-stack servers accept; one character more is a 400 problem. */
export const maxNameLength = 64;

export interface CountedLog {
  destination: DestinationStream;
  lines(): number;
}

/**
 * JSON log lines into /dev/null, through the same stream as platform/observability writes them to stdout (pino's
 * SonicBoom, batched and asynchronous), so their cost counts but nothing travels back to the measuring process.
 * Counts the lines: pino writes one per call, the access log the lines of a turn of the event loop at once.
 */
export function countedLog(): CountedLog {
  const sink = batchedDestination('/dev/null');
  let lines = 0;
  const write = sink.write.bind(sink);
  sink.write = (data: string) => {
    for (let at = data.indexOf('\n'); at !== -1; at = data.indexOf('\n', at + 1)) lines++;
    return write(data);
  };
  return { destination: sink as DestinationStream, lines: () => lines };
}

/**
 * Prints `ready <port>` on stdout for the parent, then on SIGTERM or SIGINT closes, prints `logged <lines>` when the
 * server counts its log lines, and exits.
 */
export function announceReady(port: number, close: () => Promise<void>, log?: CountedLog, token?: string): void {
  // The access token for the secure route, when the server issues one (before `ready`, which the parent waits for).
  if (token !== undefined) process.stdout.write(`token ${token}\n`);
  process.stdout.write(`ready ${port}\n`);
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    void close()
      .then(() => {
        if (log) process.stdout.write(`logged ${log.lines()}\n`);
      })
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
