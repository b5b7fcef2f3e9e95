import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process-host.ts';

/** Debian's `prometheus` package (2.42); CI installs it (.ci/run). */
export const prometheusBinary = '/usr/bin/prometheus';
export const prometheusInstalled = existsSync(prometheusBinary);

export interface PrometheusServer {
  url: string;
  /** The result vector of an instant query. */
  query(expression: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * A real Prometheus scraping `target` (`host:port`) at `path` every second with a bearer token read from a file, its
 * storage in a temporary directory that `stop` removes.
 */
export async function startPrometheus(target: string, token: string, path = '/metrics'): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cleave-prometheus-'));
  const port = await freePort();
  writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: cleave',
      `    metrics_path: ${path}`,
      '    authorization:',
      '      type: Bearer',
      `      credentials_file: ${join(dir, 'token')}`,
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    prometheusBinary,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  child.stdout?.on('data', (c: Buffer) => lines.push(c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => lines.push(c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async query(expression) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expression)}`);
      const body = (await response.json()) as { status: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`query ${expression}: ${JSON.stringify(body)}`);
      return body.data?.result ?? [];
    },
    output: () => lines.join(''),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
