/**
 * `npm run contracts:check [-- --base <git ref>]`: fails when the committed contract files are not what the code
 * generates (drift), or when the contracts break clients of the baseline (`HEAD` by default; `origin/main` for a
 * pull request). Exit 0: in sync, no breaking change (compatible ones are listed). 1: drift or breaking changes.
 * 2: bad arguments, or no usable git baseline. Anything else that fails is one line, exit 1 (its stack with `DEBUG=1`).
 */
import { basename } from 'node:path';
import process from 'node:process';
import { parse as parseYaml } from 'yaml';
import { ignoreClosedOutput, parseCommandLine, unexpectedError, usageError } from '../../platform/cli/index.ts';
import { BaselineError, baselineFiles, resolveRef, UsageError } from './baseline.ts';
import { classifyContract, type Finding } from './classify.ts';
import { contractFiles, mergedFile } from './documents.ts';
import { findDrift, repositoryRoot, workingTreeFiles } from './files.ts';
import { formatDrift, formatFindings } from './report.ts';
import { loadModules } from '../../apps/load-modules.ts';

ignoreClosedOutput();

const command = { name: 'contracts:check', usage: 'usage: npm run contracts:check [-- --base <git ref>] [--root <repository dir>]' };

function options(): { base: string; root: string } {
  const { values } = parseCommandLine({
    ...command,
    options: { base: { type: 'string', default: 'HEAD' }, root: { type: 'string', default: repositoryRoot } },
  });
  if (values.base.trim() === '') usageError(command, '--base needs a git ref, e.g. --base origin/main');
  return { base: values.base, root: values.root };
}

function read(path: string, text: string | undefined, where: string): unknown {
  if (text === undefined) return undefined;
  try {
    return path.endsWith('.yaml') ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new BaselineError(`${path} at ${where} does not parse, so it cannot be compared with (${reason}); pass another --base`);
  }
}

/** Classifies every contract file of the baseline and of the code; the merged document only for platform routes. */
function gate(generated: Map<string, string>, baseline: Map<string, string>, base: string): Finding[] {
  const paths = [...new Set([...baseline.keys(), ...generated.keys()])].sort();
  const modules = new Set(paths.filter((p) => p !== mergedFile).map((p) => basename(p).replace(/\.(json|yaml)$/, '')));
  return paths.flatMap((path) => {
    const merged = path === mergedFile;
    const module = merged ? 'platform' : basename(path).replace(/\.(json|yaml)$/, '');
    const include = merged ? (p: string) => !modules.has(p.split('/')[1] ?? '') : () => true;
    return classifyContract(module, path, read(path, baseline.get(path), base), read(path, generated.get(path), 'the code'), { include });
  });
}

const { base, root } = options();
const modules = await loadModules(command.name);
try {
  const commit = resolveRef(root, base);
  const generated = contractFiles(modules);
  const drift = findDrift(generated, workingTreeFiles(root));
  const findings = gate(generated, baselineFiles(root, base), base);
  const where = `${base}${commit && !base.startsWith(commit) ? ` (${commit})` : ''}`;
  process.stdout.write(formatDrift(drift));
  process.stdout.write(formatFindings(findings, where));
  const breaking = findings.some((f) => f.severity === 'breaking');
  if (drift.length === 0 && !breaking) process.stdout.write(`Contracts are in sync with the code (${generated.size} files) and compatible with ${where}.\n`);
  process.exitCode = drift.length > 0 || breaking ? 1 : 0;
} catch (error) {
  if (error instanceof UsageError) usageError(command, error.message);
  if (error instanceof BaselineError) {
    process.stderr.write(`${command.name}: ${error.message}\n`);
    process.exit(2);
  }
  // A module whose code throws while its documents are generated, a file that cannot be read: one line, exit 1.
  process.stderr.write(unexpectedError(command.name, error));
  process.exitCode = 1;
}
