import { spawnSync } from 'node:child_process';
import process from 'node:process';

/** The Node major versions the image is built and run on: `IMAGE_NODE_VERSIONS="20 22"` by default. */
export const nodeVersions: string[] = (process.env.IMAGE_NODE_VERSIONS ?? '20 22').split(/[\s,]+/).filter(Boolean);

/**
 * Makes sure podman runs here and the `node:<version>-slim` base images exist (`.ci/podman-setup`: installs and
 * configures podman when missing, builds a local stand-in base when `podman image exists` says there is none).
 */
export function setup(): void {
  process.stdout.write(`\n  Container image: podman setup for node ${nodeVersions.join(', ')} (.ci/podman-setup)\n`);
  const result = spawnSync('bash', ['.ci/podman-setup'], { stdio: 'inherit', env: { ...process.env, NODE_VERSIONS: nodeVersions.join(' ') } });
  if (result.status !== 0) throw new Error(`.ci/podman-setup exited ${result.status}: podman cannot build the image here (see its output above)`);
}
