import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCommand, findEngine, sourceUrl } from '../../tools/image/build-command.ts';
import { runTool } from '../support/run-tool.ts';
import { tempDir } from '../support/temp-dir.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';

const labels = { version: '1.2.3', revision: 'abc123', created: '2026-01-02T03:04:05Z', source: 'https://example.com/o/r' };

describe('npm run image', () => {
  it('builds with podman in the Docker format (HEALTHCHECK kept), the CA bundle mounted, and every label as a build argument and as a label', () => {
    const args = buildCommand({ engine: 'podman', tag: 'cleave:1.2.3', nodeVersion: '22', labels, pull: 'never', caBundle: 'package.json' });

    expect(args).toEqual([
      'build',
      '--format',
      'docker',
      '--pull=never',
      '-v',
      'package.json:/etc/ssl/certs/ca-certificates.crt:ro',
      ...['--build-arg', 'NODE_VERSION=22', '--build-arg', 'VERSION=1.2.3', '--build-arg', 'REVISION=abc123'],
      ...['--build-arg', 'CREATED=2026-01-02T03:04:05Z', '--build-arg', 'SOURCE=https://example.com/o/r'],
      ...['--label', 'org.opencontainers.image.version=1.2.3', '--label', 'org.opencontainers.image.revision=abc123'],
      ...['--label', 'org.opencontainers.image.created=2026-01-02T03:04:05Z', '--label', 'org.opencontainers.image.source=https://example.com/o/r'],
      ...['-t', 'cleave:1.2.3', '.'],
    ]);
  });

  it('gives Docker neither --format nor a volume (its build has none), and skips a CA bundle that does not exist', () => {
    const docker = buildCommand({ engine: 'docker', tag: 't', nodeVersion: '20', labels, caBundle: 'package.json' });
    const podman = buildCommand({ engine: 'podman', tag: 't', nodeVersion: '20', labels, caBundle: '/nowhere/ca.crt' });

    expect(docker).not.toContain('--format');
    expect(docker).not.toContain('-v');
    expect(podman).not.toContain('-v');
  });

  it('takes Docker only when its daemon answers, else podman, else none', () => {
    const answering = (names: string[]) => (command: string) => names.includes(command);

    expect(findEngine(answering(['docker', 'podman']))).toBe('docker');
    expect(findEngine(answering(['podman']))).toBe('podman');
    expect(findEngine(answering([]))).toBeUndefined();
  });

  it.each([
    ['git@github.com:acme/cleave.git', 'https://github.com/acme/cleave'],
    ['https://user:token@github.com/acme/cleave.git', 'https://github.com/acme/cleave'],
    ['ssh://git@git.example.com/team/cleave.git', 'https://git.example.com/team/cleave'],
    ['/srv/git/cleave', ''],
    ['', ''],
  ])('labels the source %j as %j (never with credentials)', (remote, url) => {
    expect(sourceUrl(remote)).toBe(url);
  });

  it(
    'exits 3 saying what to install when neither Docker nor podman is on PATH, and 2 on bad usage',
    async () => {
      const empty = tempDir('no-engine');
      const tool = resolve('tools/image/main.ts');

      const none = await runTool(tool, [], { PATH: empty });
      expect(none.status).toBe(3);
      expect(none.stderr).toContain('image: neither Docker (a running daemon) nor podman was found; install one');
      const bad = await runTool(tool, ['--engine', 'rkt'], { PATH: empty });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain('image: --engine must be docker or podman, not rkt');
      // Refused before an engine is looked for (with none on PATH, a build would otherwise end in exit 3).
      for (const [args, message] of [
        [['--tag', ''], '--tag must be an image reference'],
        [['--tag', 'Bad Tag'], '--tag must be an image reference'],
        [['--node', '12'], '--node must be a major version of at least 20'],
        [['--node', 'lts'], '--node must be a major version of at least 20'],
      ] as const) {
        const refused = await runTool(tool, [...args, '--engine', 'podman'], { PATH: empty });
        expect(refused.stderr, args.join(' ')).toContain(`image: ${message}`);
        expect(refused.status).toBe(2);
      }
    },
    processTestTimeoutMs,
  );
});
