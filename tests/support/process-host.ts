import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import process from 'node:process';
import { adminToken, testAdminSecret, withAdminToken } from './tokens.ts';
import { pgliteImageSetting } from './pglite-image.ts';

/** A unique Redis key prefix, so tests sharing one Redis never see each other's queues or registry. */
export { redisPrefix } from './redis-keys.ts';

export type Runtime = 'node' | 'deno';

export interface ProcessHost {
  url: string;
  /**
   * `fetch` of a path on this host, with an access token holding every scope (from the identity module this host
   * runs or reaches) unless `init.headers` carry an `Authorization` of their own (`''` sends none).
   */
  fetch(path: string, init?: RequestInit & { headers?: Record<string, string> }): Promise<Response>;
  /** An access token with every scope from the identity module this host runs or reaches. */
  token(): Promise<string>;
  runtime: Runtime;
  /** The operating system's id of the process. */
  pid: number | undefined;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash or an OOM kill would: no shutdown code runs. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, as an orchestrator stopping it would; resolves with how it exited (SIGKILL after 60 s). */
  terminate(): Promise<{ code: number | null; signal: string | null }>;
  /** Resolves with how the process exited, whoever ended it (e.g. itself, with a fault injected). */
  exited(): Promise<{ code: number | null; signal: string | null }>;
}

export interface ProcessHostOptions {
  /** Entry point; the monolith by default. */
  entry?: string;
  env?: Record<string, string>;
  runtime?: Runtime;
  /**
   * On Node, run the entry as `npm start` does, bundled by tools/start/launch.mjs (built when stale): the default, a
   * second or more sooner ready than through tsx (the bundle is built once for all the tests that start that entry).
   * `false` runs the entry through tsx.
   */
  bundle?: boolean;
  port?: number;
}

const denoPermissions = ['--allow-env', '--allow-read', '--allow-write', '--allow-net', '--allow-sys', '--allow-ffi', '--allow-run'];

/** A port nobody listens on right now (the OS picks it), for configurations that must name each other's address. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts a Cleave host in its own process (Node, or Deno) and resolves once it prints that it is
 * ready, with the URL it serves.
 */
/** Rate limits no test reaches by accident; tests of the limits set their own. */
export const generousRateLimits = { RATE_LIMIT_PER_IP: '1000000/60s', RATE_LIMIT_PER_CLIENT: '1000000/60s', RATE_LIMIT_TOKEN: '1000000/60s' } as const;

export function startProcessHost(options: ProcessHostOptions = {}): Promise<ProcessHost> {
  const runtime = options.runtime ?? 'node';
  const entry = options.entry ?? 'apps/monolith/main.ts';
  const node = options.bundle === false ? ['--import', 'tsx', entry] : ['--enable-source-maps', 'tools/start/launch.mjs', entry];
  const [command, args] = runtime === 'node' ? [process.execPath, node] : [join('node_modules', 'deno', 'deno'), ['run', ...denoPermissions, entry]];
  const child = spawn(command, args, {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      DEMO_DATA: 'false',
      DATA_DIR: 'memory',
      // Stops stay quick; the rollout tests, which are about draining, set their own delay.
      SHUTDOWN_DRAIN_DELAY: '0',
      IDENTITY_ADMIN_SECRET: testAdminSecret,
      PORT: String(options.port ?? 0),
      // Tests fire many requests from one address, and hosts call each other from it: limits out of their way.
      ...generousRateLimits,
      ...pgliteImageSetting(options.env ?? {}, options.env?.DATA_DIR ?? 'memory'),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} on ${runtime} was not ready within 90 s:\n${output.slice(-3000)}`));
    }, 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /Cleave is (?:ready|serving) at (https?:\/\/[^"\s]+)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
      const url = match[1] as string;
      const self: { fetch?: unknown } = {};
      resolve(
        Object.assign(self, {
          url,
          token: () => adminToken(self, (p: string, i: RequestInit) => fetch(`${url}${p}`, i)),
          async fetch(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
            const headers = await withAdminToken(init.headers ?? {}, self, (p, i) => fetch(`${url}${p}`, i));
            return fetch(`${url}${path}`, { ...init, headers });
          },
          runtime,
          pid: child.pid,
          exited: () => exited.then(() => ({ code: child.exitCode, signal: child.signalCode })),
          output: () => output,
          async terminate() {
            if (child.exitCode === null && child.signalCode === null) {
              child.kill('SIGTERM');
              const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
              await exited;
              clearTimeout(killer);
            }
            return { code: child.exitCode, signal: child.signalCode };
          },
          async kill() {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill('SIGKILL');
            await exited;
          },
          async stop() {
            if (child.exitCode !== null) return;
            child.kill('SIGTERM');
            const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            await exited;
            clearTimeout(killer);
          },
        }),
      );
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} on ${runtime} exited with ${code} before it was ready:\n${output.slice(-3000)}`));
    });
  });
}
