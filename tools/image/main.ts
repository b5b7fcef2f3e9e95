/**
 * `npm run image [-- --tag cleave:dev] [--node 22] [--engine podman] [--pull never]`: builds the container image
 * (Dockerfile) with whichever engine runs here, Docker or podman, labelled with the version from package.json and the
 * revision from `git rev-parse HEAD`. Exit codes: the engine's; 2 bad usage; 3 no engine.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { ignoreClosedOutput, parseCommandLine, usageError } from '../../platform/cli/index.ts';
import { isImageReference } from '../k8s/args.ts';
import { buildCommand, debianCaBundle, findEngine, sourceUrl, type Engine } from './build-command.ts';

ignoreClosedOutput();

function fail(message: string, code: number): never {
  process.stderr.write(`image: ${message}\n`);
  process.exit(code);
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

const command = {
  name: 'image',
  usage: `usage: npm run image [-- --tag cleave:<version>] [--node 20] [--engine docker|podman] [--pull never|missing|always]
  builds the container image (Dockerfile) with Docker or podman, labelled with the version and git revision
  --tag     the image's name and tag
  --node    the Node.js major version of the base image
  --engine  which engine builds it (by default the one found here)
  --pull    when base images are pulled`,
};
const { values } = parseCommandLine({
  ...command,
  options: { tag: { type: 'string' }, node: { type: 'string' }, engine: { type: 'string' }, pull: { type: 'string' } },
});
if (values.engine !== undefined && values.engine !== 'docker' && values.engine !== 'podman')
  usageError(command, `--engine must be docker or podman, not ${values.engine}`);
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string; engines?: { node?: string } };
// The lowest major package.json's engines allows (">=20.12" → 20): an older base image would not run the app.
const minimumNode = Number(/\d+/.exec(manifest.engines?.node ?? '')?.[0] ?? '20');
if (values.node !== undefined && (!/^\d+$/.test(values.node) || Number(values.node) < minimumNode))
  usageError(command, `--node must be a major version of at least ${minimumNode} (package.json engines), such as 22, not ${values.node}`);
if (values.tag !== undefined && !isImageReference(values.tag))
  usageError(command, `--tag must be an image reference such as registry.example/cleave:1.2.0, got "${values.tag}"`);
if (values.pull !== undefined && !['never', 'missing', 'always'].includes(values.pull)) usageError(command, `--pull must be never, missing or always`);

const engine: Engine | undefined = (values.engine as Engine | undefined) ?? findEngine();
if (!engine) {
  fail('neither Docker (a running daemon) nor podman was found; install one (Debian: apt-get install podman runc, see docs/operations/container-image.md)', 3);
}

const version = manifest.version;
const revision = git(['rev-parse', 'HEAD']) || 'unknown';
const labels = {
  version,
  revision,
  // The commit's time rather than the clock's, so that rebuilding one commit gives the same labels.
  created: git(['log', '-1', '--format=%cI']),
  source: sourceUrl(git(['remote', 'get-url', 'origin'])),
};
const args = buildCommand({
  engine,
  tag: values.tag ?? `cleave:${version}`,
  nodeVersion: values.node ?? '20',
  labels,
  caBundle: debianCaBundle,
  ...(values.pull ? { pull: values.pull as 'never' | 'missing' | 'always' } : {}),
});
process.stdout.write(`image: ${engine} ${args.join(' ')}\n`);
const child = spawn(engine, args, { stdio: 'inherit' });
child.once('error', (error) => fail(`${engine} did not start: ${error.message}`, 3));
child.once('exit', (code, signal) => {
  if (code === 0) process.stdout.write(`image: built ${args[args.indexOf('-t') + 1]} (version ${version}, revision ${revision})\n`);
  process.exit(code ?? (signal ? 1 : 0));
});
