import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { connect as connectTls } from 'node:tls';
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
  /**
   * Serve only TLS (no plain port) with this certificate and key (PEM file paths); `ca` is what the PING check trusts.
   * Clients need no certificate of their own. The URL is then `rediss://`.
   */
  tls?: { cert: string; key: string; ca: string };
}

/** Starts `redis-server` on a free port of 127.0.0.1 and waits until it answers PING. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const persistence = options.appendOnly
    ? ['--appendonly', 'yes', '--appendfsync', options.appendOnly.fsync, '--dir', options.appendOnly.dir, '--save', '']
    : ['--save', '', '--appendonly', 'no'];
  const tls = options.tls;
  const listening = tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        tls.cert,
        '--tls-key-file',
        tls.key,
        '--tls-ca-cert-file',
        tls.ca,
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)];
  const ca = tls && readFileSync(tls.ca, 'utf8');
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    port,
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    get running() {
      return child !== undefined;
    },
    get pid() {
      return child?.pid;
    },
    async start() {
      if (child) return;
      const spawned = spawn('redis-server', [...listening, '--bind', '127.0.0.1', ...persistence], { stdio: 'ignore' });
      child = spawned;
      spawned.once('exit', () => {
        if (child === spawned) child = undefined;
      });
      await waitForPing(port, 5000, ca);
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

async function waitForPing(port: number, timeoutMs: number, ca?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ping(port, ca))) {
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function ping(port: number, ca?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = ca === undefined ? connect(port, '127.0.0.1') : connectTls({ port, host: '127.0.0.1', ca });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once(ca === undefined ? 'connect' : 'secureConnect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
