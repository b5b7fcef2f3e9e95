import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { freePort } from './process-host.ts';

/** A private PostgreSQL on its own port and data directory, never the shared one. */
export interface PostgresServer {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, without sslmode. */
  url: string;
  stop(): Promise<void>;
}

export interface PostgresServerOptions {
  /** Serve TLS with this certificate and key (PEM file paths) and accept only TLS connections over TCP. */
  tls: { cert: string; key: string };
}

const binDir = (() => {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const version = readdirSync(root).sort().at(-1);
  return version && existsSync(join(root, version, 'bin', 'initdb')) ? join(root, version, 'bin') : undefined;
})();

/** Why a private server cannot be started here, or `undefined` when it can. */
export function postgresServerUnavailable(): string | undefined {
  if (!binDir) return 'no initdb under /usr/lib/postgresql/*/bin';
  if (process.getuid?.() === 0 && spawnSync('id', ['postgres'], { stdio: 'ignore' }).status !== 0)
    return 'running as root and there is no postgres user to run initdb as';
  return undefined;
}

/**
 * initdb into a temporary directory and start `postgres` on a free port of 127.0.0.1, as the `postgres` user when this
 * process is root (initdb refuses root). Trust authentication; only `hostssl` connections over TCP.
 */
export async function startPostgresServer(options: PostgresServerOptions): Promise<PostgresServer> {
  const bin = binDir as string;
  const dir = mkdtempSync(join(tmpdir(), 'cleave-pg-'));
  const data = join(dir, 'data');
  const root = process.getuid?.() === 0;
  const owner = root ? Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim()) : undefined;
  const group = root ? Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim()) : undefined;
  // Run as that user directly (not through runuser), so signals reach the server itself.
  const as = owner !== undefined && group !== undefined ? { uid: owner, gid: group } : {};
  if (owner !== undefined && group !== undefined) chownSync(dir, owner, group);
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync'], {
    stdio: 'pipe',
    ...as,
    env: { ...process.env, HOME: dir },
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr.toString()}`);
  // The server reads its key only if it alone can: owned by it, mode 0600.
  for (const [from, to] of [
    [options.tls.cert, 'server.crt'],
    [options.tls.key, 'server.key'],
  ] as const) {
    copyFileSync(from, join(data, to));
    chmodSync(join(data, to), 0o600);
    if (owner !== undefined && group !== undefined) chownSync(join(data, to), owner, group);
  }
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhostssl all all 127.0.0.1/32 trust\n');
  const port = await freePort();
  const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'ssl=on', '-c', 'fsync=off'];
  const child: ChildProcess = spawn(join(bin, 'postgres'), args, { stdio: 'ignore', ...as });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // SIGINT: PostgreSQL's fast shutdown.
      child.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 30_000, () => child.exitCode !== null);
    // Listening is not accepting: it says "starting up" until recovery is done.
    for (const deadline = Date.now() + 30_000; spawnSync(join(bin, 'pg_isready'), ['-h', dir, '-p', String(port)]).status !== 0;) {
      if (Date.now() > deadline) throw new Error(`postgres on port ${port} did not accept connections within 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
}

async function waitForPort(port: number, timeoutMs: number, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone()) throw new Error(`postgres on port ${port} exited while starting`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`postgres on port ${port} did not listen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
