import { execFileSync } from 'node:child_process';
import { contractDirs } from './documents.ts';

/** A problem with the arguments or the repository, not with the contracts: the CLI exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A baseline that is there but cannot be compared with (a committed file that does not parse): exit 2, no usage text. */
export class BaselineError extends Error {
  override readonly name = 'BaselineError';
}

function git(root: string, args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** The commit `ref` names in the repository at `root` (short hash), or a UsageError saying why not. */
export function resolveRef(root: string, ref: string): string {
  try {
    git(root, ['rev-parse', '--show-toplevel']);
  } catch {
    throw new UsageError(`${root} is not inside a git repository, so there is no baseline to compare with`);
  }
  if (ref.startsWith('-')) throw new UsageError(`"${ref}" is not a git ref`);
  try {
    return git(root, ['rev-parse', '--verify', '--quiet', '--short', `${ref}^{commit}`]).trim();
  } catch {
    throw new UsageError(`unknown git ref "${ref}"${ref.startsWith('origin/') ? ` (fetch it first: git fetch origin ${ref.slice('origin/'.length)})` : ''}`);
  }
}

/**
 * The contract files committed at `ref` (read with `git show <ref>:<path>`), by path relative to `root`. A module
 * with no file there is new since the baseline.
 */
export function baselineFiles(root: string, ref: string): Map<string, string> {
  const listed = git(root, ['ls-tree', '-r', '--name-only', ref, '--', ...Object.values(contractDirs)]);
  const files = new Map<string, string>();
  for (const path of listed.split('\n').filter(Boolean).sort()) files.set(path, git(root, ['show', `${ref}:./${path}`]));
  return files;
}
