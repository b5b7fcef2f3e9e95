/**
 * `npm run extract -- <module> [--port 3001] [--monolith-url http://127.0.0.1:3000] [--force] [--k8s] [--dry-run]`
 * Writes `apps/extracted/<module>/` (an entry point that hosts only that module, and its deployment notes) and
 * prints the configuration for the new deployment and for the monolith. The module's code does not change. `--k8s`
 * also writes the Kubernetes manifests of every extracted module and the monolith (`npm run k8s`) to deploy/k8s.
 * `--dry-run` writes nothing: it says what each file would become (new, unchanged, or differing) and prints the rest.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { ignoreClosedOutput, parseCommandLine, usageError, wholeNumber } from '../platform/cli/index.ts';
import { deploymentNotes, entryPoint, topologyFor } from './extract/templates.ts';
import { manifestsAfterExtract } from './extract/k8s-step.ts';
import { loadModules } from '../apps/load-modules.ts';

ignoreClosedOutput();
const modules = await loadModules('extract');

function fail(message: string, code = 2): never {
  process.stderr.write(`extract: ${message}\n`);
  process.exit(code);
}

const known = modules.map((m) => m.name);
const command = {
  name: 'extract',
  usage: `usage: npm run extract -- <module> [--port 3001] [--monolith-url http://127.0.0.1:3000] [--force] [--k8s] [--dry-run]
  writes apps/extracted/<module>/ (an entry point hosting only that module, its deployment notes) and prints the
  configuration of the new deployment and of the monolith
  <module>        one of ${known.join(', ')}
  --port          the new deployment's port
  --monolith-url  where the monolith is reached
  --force         overwrite files that differ from what extract would write
  --k8s           also write the Kubernetes manifests (npm run k8s) to deploy/k8s
  --dry-run       write nothing: say which files would be new, unchanged or different, and print the configuration`,
};
const parsed = parseCommandLine({
  ...command,
  positionals: true,
  options: {
    port: { type: 'string', default: '3001' },
    'monolith-url': { type: 'string', default: 'http://127.0.0.1:3000' },
    force: { type: 'boolean', default: false },
    k8s: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
  },
});
const [name, ...extra] = parsed.positionals;
if (!name || extra.length > 0) usageError(command, 'name exactly one module to extract');
const definition = modules.find((m) => m.name === name);
if (!definition) usageError(command, `unknown module "${name}"; modules: ${known.join(', ')}`);
const port = wholeNumber(parsed.values.port, 1, 65535) ?? usageError(command, `--port must be a port number from 1 to 65535, got "${parsed.values.port}"`);
const monolithUrl = parsed.values['monolith-url'];
if (!/^https?:\/\/[^\s/]+$/.test(monolithUrl)) usageError(command, `--monolith-url must look like http://host:port, got ${monolithUrl}`);

const topology = topologyFor(definition, modules, { port, monolithUrl });
const dir = join('apps', 'extracted', definition.name);
const files = { 'main.ts': entryPoint(definition.name), 'README.md': deploymentNotes(definition, topology) };
// Every file is checked before any is written: a refusal leaves the folder as it was.
const planned = Object.entries(files).map(([file, content]) => {
  const path = join(dir, file);
  const state: 'new' | 'unchanged' | 'differs' = !existsSync(path) ? 'new' : readFileSync(path, 'utf8') === content ? 'unchanged' : 'differs';
  return { path, content, state };
});
const edited = planned.filter((p) => p.state === 'differs');
const dryRun = parsed.values['dry-run'];
if (dryRun) {
  const says = { new: 'would be written (new)', unchanged: 'is already what extract writes', differs: 'exists and differs: --force would overwrite it' };
  process.stdout.write(`Dry run: nothing written.\n${planned.map((p) => `  ${p.path} ${says[p.state]}`).join('\n')}\n\n`);
} else if (edited.length > 0 && !parsed.values.force) {
  fail(
    `${edited.map((e) => e.path).join(' and ')} exist${edited.length === 1 ? 's' : ''} and differ${edited.length === 1 ? 's' : ''} from what extract would write; ` +
      're-run with --dry-run to see the configuration without writing, or with --force to overwrite',
    1,
  );
} else {
  mkdirSync(dir, { recursive: true });
  for (const { path, content } of planned) writeFileSync(path, content);
}

const env = (vars: Record<string, string>) =>
  Object.entries(vars)
    .map(([k, v]) => `  ${k}=${v}`)
    .join('\n');
process.stdout.write(`${dryRun ? `Extracting ${definition.name} into ${dir}/ would give:` : `Extracted ${definition.name} into ${dir}/ (main.ts, README.md).`}

New deployment (hosts only ${definition.name}; MODULES is fixed by its main.ts):
${env(topology.extracted)}
  start: npx tsx ${dir}/main.ts        (Deno: ./node_modules/deno/deno run -A ${dir}/main.ts)

Monolith (everything else; forwards /${definition.name}/… to the new deployment):
${env(topology.monolith)}
  start: npm start

Move the module's data into its own database: see ${dir}/README.md.
`);
if (parsed.values.k8s) {
  if (dryRun) process.stdout.write('\nKubernetes manifests: not written (dry run); npm run k8s -- --check compares them after a real run.\n');
  else process.stdout.write(manifestsAfterExtract(process.cwd(), modules));
}
