import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from './process-host.ts';

/**
 * A private, throw-away Redis a test can take down and bring back. Without persistence a restart starts empty; with
 * an append-only file in `dir`, a restart reloads what was acknowledged (all of it with `appendfsync: 'always'`).
 */
export interface RedisServer {
  port: number;
  url: string;
  readonly running: boolean;
  /** The operating system's id of the server process while it runs. */
  readonly pid: number | undefined;
  /** Kills the server abruptly, as a crash would, and waits until it is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it answers PING. */
  start(): Promise<void>;
}

/** Whether a `redis-server` binary is on PATH. */
export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface RedisServerOptions {
  /** Keep an append-only file in `dir` (which must exist), fsynced as named; none by default. */
  appendOnly?: { dir: string; fsync: 'always' | 'everysec' };
}

/** Starts `redis-server` on a free port of 127.0.0.1 and waits until it answers PING. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const persistence = options.appendOnly
    ? ['--appendonly', 'yes', '--appendfsync', options.appendOnly.fsync, '--dir', options.appendOnly.dir, '--save', '']
    : ['--save', '', '--appendonly', 'no'];
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined;
    },
    get pid() {
      return child?.pid;
    },
    async start() {
      if (child) return;
      const spawned = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...persistence], { stdio: 'ignore' });
      child = spawned;
      spawned.once('exit', () => {
        if (child === spawned) child = undefined;
      });
      await waitForPing(port, 5000);
    },
    async stop() {
      const running = child;
      if (!running) return;
      child = undefined;
      if (running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((r) => running.once('exit', r));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await server.start();
  return server;
}

async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ping(port))) {
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
