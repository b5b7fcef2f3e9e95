import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `podman <args>`, its output and status; never throws. Asynchronous, so a host under test keeps its event loop. */
export function podman(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('podman', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', (error) => done({ status: 127, stdout, stderr: error.message }));
    child.once('exit', (status) => done({ status, stdout, stderr }));
  });
}

/** Why the kube play test cannot run here (no podman, no image), or `undefined` when it can. */
export function podmanUnavailable(image: string): string | undefined {
  if (spawnSync('podman', ['--version'], { stdio: 'ignore' }).status !== 0)
    return 'podman is not installed (apt-get install -y podman runc, see ../shared/recipes/containers.md)';
  if (spawnSync('podman', ['image', 'exists', image], { stdio: 'ignore' }).status !== 0)
    return `image ${image} is missing (npm run image, or set CLEAVE_IMAGE)`;
  return undefined;
}

/**
 * Creates (or replaces) a podman secret that a kube-played pod can mount like a Kubernetes Secret. Podman 4.3 reads
 * it as a Secret object and writes each `data` value to its file as it stands, without base64-decoding it, so the
 * values go in raw.
 */
export async function createKubeSecret(dir: string, name: string, data: Record<string, string>): Promise<void> {
  await podman(['secret', 'rm', name]);
  const file = join(dir, `${name}.secret.json`);
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, data }));
  const created = await podman(['secret', 'create', name, file]);
  if (created.status !== 0) throw new Error(`podman secret create ${name}: ${created.stderr}`);
}

/** The one container of the kube-played pod whose name starts with `pod`, e.g. `monolith-pod-0-cleave`. */
export async function containerOf(pod: string, container: string): Promise<string> {
  const listed = await podman(['ps', '-a', '--format', '{{.Names}}']);
  const name = listed.stdout.split('\n').find((n) => n.startsWith(pod) && n.endsWith(`-${container}`));
  if (!name) throw new Error(`no container ${container} of pod ${pod} in:\n${listed.stdout}`);
  return name;
}

/** `podman inspect`'s state of a container: its status and exit code. */
export async function stateOf(container: string): Promise<{ status: string; exitCode: number }> {
  const inspected = await podman(['inspect', container, '--format', '{{.State.Status}} {{.State.ExitCode}}']);
  const [status = 'unknown', code = '-1'] = inspected.stdout.trim().split(' ');
  return { status, exitCode: Number(code) };
}
