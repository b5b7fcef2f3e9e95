import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export type Engine = 'docker' | 'podman';

export interface ImageBuildOptions {
  engine: Engine;
  tag: string;
  /** `NODE_VERSION` of the Dockerfile: the major version of the `node:<v>-slim` base. */
  nodeVersion: string;
  labels: { version: string; revision: string; created: string; source: string };
  /** `never`: build only from base images already in the engine's store (no registry reachable). */
  pull?: 'never' | 'missing' | 'always';
  /**
   * A CA bundle to mount into podman's build steps, so `npm ci` trusts a TLS-intercepting proxy the host trusts.
   * Docker's build has no volume mounts; there it is left out.
   */
  caBundle?: string;
  context?: string;
}

/** The host's CA bundle on Debian and Ubuntu, where there is one. */
export const debianCaBundle = '/etc/ssl/certs/ca-certificates.crt';

/**
 * The engine that can build here: Docker when its daemon answers (a `docker` CLI alone, or one driving nothing, does
 * not count), else podman when it runs. `undefined` when neither does.
 */
export function findEngine(run: (command: string, args: string[]) => boolean = succeeds): Engine | undefined {
  if (run('docker', ['version', '--format', '{{.Server.Version}}'])) return 'docker';
  if (run('podman', ['version', '--format', '{{.Client.Version}}'])) return 'podman';
  return undefined;
}

function succeeds(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  return result.error === undefined && result.status === 0;
}

/**
 * The engine's argument list for building the Dockerfile at `context` with the OCI labels' build arguments.
 *
 * @example
 * buildCommand({ engine: 'podman', tag: 'cleave:0.1.0', nodeVersion: '20', labels }) // ['build', '--format', 'docker', …]
 */
export function buildCommand(options: ImageBuildOptions): string[] {
  const { labels } = options;
  return [
    'build',
    // HEALTHCHECK is part of the Docker image format only; podman's default (OCI) drops it.
    ...(options.engine === 'podman' ? ['--format', 'docker'] : []),
    ...(options.pull ? [`--pull=${options.pull}`] : []),
    ...(options.engine === 'podman' && options.caBundle && existsSync(options.caBundle) ? ['-v', `${options.caBundle}:${debianCaBundle}:ro`] : []),
    '--build-arg',
    `NODE_VERSION=${options.nodeVersion}`,
    '--build-arg',
    `VERSION=${labels.version}`,
    '--build-arg',
    `REVISION=${labels.revision}`,
    '--build-arg',
    `CREATED=${labels.created}`,
    '--build-arg',
    `SOURCE=${labels.source}`,
    // The same values as labels of the final image too: podman's builder (buildah 1.28) keys its layer cache on the
    // LABEL instruction before the arguments are substituted, so a rebuild whose only change is the revision would
    // reuse the layer labelled with an older one. `--label` is applied to the image whatever the cache did.
    ...Object.entries(ociLabels(labels)).flatMap(([name, value]) => ['--label', `${name}=${value}`]),
    '-t',
    options.tag,
    options.context ?? '.',
  ];
}

/** The OCI annotations (image-spec `annotations.md`) the Dockerfile's build arguments set. */
export function ociLabels(labels: ImageBuildOptions['labels']): Record<string, string> {
  return {
    'org.opencontainers.image.version': labels.version,
    'org.opencontainers.image.revision': labels.revision,
    'org.opencontainers.image.created': labels.created,
    'org.opencontainers.image.source': labels.source,
  };
}

/**
 * A git remote as the `org.opencontainers.image.source` label wants it: an https URL without credentials
 * (`git@github.com:o/r.git` → `https://github.com/o/r`). Empty for anything else.
 */
export function sourceUrl(remote: string): string {
  const trimmed = remote.trim();
  const scp = /^[\w.-]+@([\w.-]+):(.+?)(\.git)?$/.exec(trimmed);
  if (scp) return `https://${scp[1]}/${scp[2]}`;
  if (!URL.canParse(trimmed)) return '';
  const url = new URL(trimmed);
  if (!['https:', 'http:', 'ssh:'].includes(url.protocol)) return '';
  return `https://${url.host}${url.pathname.replace(/\.git$/, '')}`;
}
