import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `podman <args>` without blocking the event loop; never throws for a non-zero exit (the caller checks). */
export async function podman(args: readonly string[], timeoutMs = 120_000): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await exec('podman', [...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? failed.message };
  }
}

/** `podman <args>`, failing with its output when it exits non-zero; resolves with its trimmed stdout. */
export async function podmanOk(args: readonly string[], timeoutMs?: number): Promise<string> {
  const result = await podman(args, timeoutMs);
  if (result.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout.trim();
}

/** Random production secrets, as an operator would generate them (`openssl rand -base64 32`). */
export function productionSecrets(): { IDENTITY_KEK: string; DATA_KEK: string; MODULE_CLIENT_KEY: string } {
  const key = () => randomBytes(32).toString('base64');
  return { IDENTITY_KEK: `k1:${key()}`, DATA_KEK: `d1:${key()}`, MODULE_CLIENT_KEY: key() };
}

export interface ContainerOptions {
  name: string;
  image: string;
  port: number;
  env: Record<string, string>;
  /** A named volume mounted at /data (PGlite's files). */
  volume?: string;
  /** The command after the image's entry point (`node …`): an entry such as `dist/apps/extracted/inventory/main.js`. */
  command?: string[];
}

/**
 * Starts a container the way the docs say to run the image in production: read-only root filesystem with no tmpfs
 * added, data in a volume, on the host's network (reaching the machine's Redis) with `HOST=127.0.0.1`. Podman's
 * health-check timer needs systemd, which these machines lack: the tests run the check themselves.
 */
export async function runContainer(options: ContainerOptions): Promise<Container> {
  const env = { HOST: '127.0.0.1', PORT: String(options.port), ...options.env };
  await podmanOk([
    'run',
    '--detach',
    '--name',
    options.name,
    '--network',
    'host',
    '--read-only',
    '--read-only-tmpfs=false',
    '--health-interval=disable',
    ...(options.volume ? ['--volume', `${options.volume}:/data`] : []),
    ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    options.image,
    ...(options.command ?? []),
  ]);
  return new Container(options.name, `http://127.0.0.1:${options.port}`);
}

export class Container {
  readonly name: string;
  readonly url: string;

  constructor(name: string, url: string) {
    this.name = name;
    this.url = url;
  }

  logs(): Promise<string> {
    return podman(['logs', this.name]).then((r) => r.stdout + r.stderr);
  }

  /**
   * Waits until the container's log matches: a line written just before the server listened can reach `podman logs`
   * after the first ready answer (the log goes through a pipe to conmon), so reading the log once is a race.
   */
  async waitForLog(pattern: RegExp, deadlineMs = 30_000): Promise<string> {
    const until = Date.now() + deadlineMs;
    for (;;) {
      const logs = await this.logs();
      if (pattern.test(logs)) return logs;
      if (Date.now() >= until) throw new Error(`${this.name} never logged ${pattern} within ${deadlineMs} ms:\n${logs.slice(-4000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** `podman inspect` of one field, e.g. `{{.State.ExitCode}}`. */
  inspect(format: string): Promise<string> {
    return podmanOk(['inspect', '--format', format, this.name]);
  }

  exec(args: string[]): Promise<CommandResult> {
    return podman(['exec', this.name, ...args]);
  }

  /**
   * Polls `/health/ready` until it answers 200. Fails at once, with the container's log, when the container stops;
   * the deadline is generous (a loaded two-core machine), as it only has to catch a hang.
   */
  async waitReady(deadlineMs = 180_000): Promise<void> {
    const until = Date.now() + deadlineMs;
    let last = '';
    while (Date.now() < until) {
      if ((await this.inspect('{{.State.Running}}')) !== 'true')
        throw new Error(`${this.name} stopped before it was ready:\n${(await this.logs()).slice(-4000)}`);
      try {
        const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(5_000) });
        last = `${response.status} ${await response.text()}`;
        if (response.status === 200) return;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    throw new Error(`${this.name} was not ready within ${deadlineMs} ms (last answer: ${last}):\n${(await this.logs()).slice(-4000)}`);
  }

  /** `podman stop -t <grace>`: SIGTERM, then SIGKILL once the grace period is over. */
  async stop(graceSeconds: number): Promise<{ exitCode: number; elapsedMs: number }> {
    const started = Date.now();
    await podmanOk(['stop', '--time', String(graceSeconds), this.name], (graceSeconds + 60) * 1000);
    return { exitCode: Number(await this.inspect('{{.State.ExitCode}}')), elapsedMs: Date.now() - started };
  }

  remove(): Promise<CommandResult> {
    return podman(['rm', '--force', '--time', '0', this.name]);
  }
}
