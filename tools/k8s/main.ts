/**
 * `npm run k8s -- [--module <m>]... [--out deploy/k8s] [--image <image>] [--namespace cleave] [--canary <m>=<percent>]
 * [--check] …`: writes Kubernetes manifests made from the module metadata (defineModule): the namespace with its quota
 * and limits, the admin Job, and per deployable (the monolith, each extracted module) its ConfigMap, Deployment,
 * Service, HPA, PodDisruptionBudget and NetworkPolicy; with `--canary`, a canary Deployment and a Gateway API
 * HTTPRoute. Every object is validated against the Kubernetes schemas first. `--check` writes nothing and fails when
 * the files differ. Exit codes: 0 written or in sync, 1 out of sync or a file that cannot be written (none is), 2 bad
 * usage (an empty `--out` included).
 */
import { resolve } from 'node:path';
import process from 'node:process';
import { loadModules } from '../../apps/load-modules.ts';
import { ignoreClosedOutput, npmRunCommand, OutputError } from '../../platform/cli/index.ts';
import { defaultOut, parseK8sArgs, usage, UsageError } from './args.ts';
import { appVersion, driftOf, extractedModules, generatedFilesIn, k8sFiles, writeK8sFiles } from './files.ts';
import { ManifestError } from './manifests.ts';

ignoreClosedOutput();

function fail(message: string, code: number): never {
  process.stderr.write(`k8s: ${message}\n`);
  process.exit(code);
}

const modules = await loadModules('k8s');
let files: Map<string, string>;
let parsed;
try {
  parsed = parseK8sArgs(process.argv.slice(2), { extracted: extractedModules(modules), appVersion: appVersion() });
  if (parsed.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  files = k8sFiles(modules, parsed.options, parsed.command);
} catch (error) {
  if (error instanceof UsageError) fail(`${error.message}\n${usage}`, 2);
  if (error instanceof ManifestError) fail(error.message, 2);
  throw error;
}
const dir = resolve(parsed.out);
if (parsed.check) {
  const drift = driftOf(files, generatedFilesIn(dir));
  const problems = [
    ...[...drift.stale, ...drift.missing].map((f) => `${parsed.out}/${f} is not what the modules and flags give`),
    ...drift.extra.map((f) => `${parsed.out}/${f} is generated but no longer part of the manifests`),
  ];
  const rerun = npmRunCommand('k8s', [...parsed.commandArgs, ...(parsed.out === defaultOut ? [] : ['--out', parsed.out])]);
  if (problems.length > 0) fail(`${problems.join('\nk8s: ')}\nk8s: run ${rerun}`, 1);
  process.stdout.write(`k8s: ${parsed.out} is in sync (${files.size} files)\n`);
} else {
  let outcome: ReturnType<typeof writeK8sFiles>;
  try {
    outcome = writeK8sFiles(dir, files);
  } catch (error) {
    if (error instanceof OutputError) fail(error.message, 1);
    throw error;
  }
  const { written, removed } = outcome;
  process.stdout.write(
    `k8s: wrote ${written.map((f) => `${parsed.out}/${f}`).join(', ')}${removed.length > 0 ? `; removed ${removed.join(', ')}` : ''}\n` +
      `apply: kubectl apply -k ${parsed.out} (create the Secrets first: docs/operations/kubernetes.md)\n`,
  );
}
