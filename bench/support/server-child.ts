/**
 * A benchmark server in a child process: node running the file as one esbuild bundle (as `npm start` runs an app), in
 * its own process group (so it can be stopped, with anything it started, by its id), stdout carrying only the lines the
 * servers print for the parent (`ready <port>`, `logged <lines>`), stderr passed through for errors. The server's own
 * logs never come back this way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { createInterface } from 'node:readline';
import { stopGroup, trackGroup } from './stop-group.ts';

export interface ServerChild {
  child: ChildProcess;
  port: number;
  /** Every line the child printed on stdout so far. */
  lines: string[];
  /** Settles when the child has exited and its stdout is drained. */
  closed: Promise<unknown>;
}

export interface ServerChildOptions {
  nodeFlags?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

const root = join(import.meta.dirname, '..', '..');
const launcher = join(root, 'tools', 'start', 'launch.mjs');

/** Starts `file` (relative to the repository root) and resolves with its port once it prints `ready <port>`. */
export async function startServerChild(name: string, file: string, options: ServerChildOptions = {}): Promise<ServerChild> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  // Run as `npm start` runs an app: one bundle built by esbuild (tools/start/launch.mjs), not through tsx's loader,
  // whose transform wraps every function a call creates in a naming helper (keepNames) that no deployed build has.
  // BENCH_LOADER=tsx runs them through tsx instead (how every bench ran before 2026-12-03).
  const run = process.env.BENCH_LOADER === 'tsx' ? ['--import', 'tsx'] : [launcher];
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...run, resolve(root, file)], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  trackGroup(child);
  const closed = once(child, 'close');
  const lines: string[] = [];
  try {
    const port = await new Promise<number>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`${name} did not report ready within ${timeoutMs / 1000} s`)), timeoutMs);
      child.once('exit', (code) => fail(new Error(`${name} exited with code ${code} before it was ready`)));
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        lines.push(line);
        const match = /^ready (\d+)$/.exec(line);
        if (!match) return;
        clearTimeout(timer);
        done(Number(match[1]));
      });
    });
    return { child, port, lines, closed };
  } catch (error) {
    await stopGroup(child);
    throw error;
  }
}

/** Stops the child (SIGTERM, SIGKILL if it hangs) and returns the log lines it reported writing, if it counts them. */
export async function stopServerChild(server: ServerChild): Promise<number | undefined> {
  await stopGroup(server.child);
  await server.closed;
  const logged = server.lines.map((l) => /^logged (\d+)$/.exec(l)?.[1]).find((n) => n !== undefined);
  return logged === undefined ? undefined : Number(logged);
}
