import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contractDirs } from './documents.ts';

/** The repository root, whatever the working directory. */
export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The contract files under `root` now (working tree), by relative path. */
export function workingTreeFiles(root: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const dir of Object.values(contractDirs)) {
    if (!existsSync(join(root, dir))) continue;
    for (const name of readdirSync(join(root, dir)).sort()) files.set(`${dir}/${name}`, readFileSync(join(root, dir, name), 'utf8'));
  }
  return files;
}

/** Writes `files` under `root` and removes what else is in the contract folders; returns what changed. */
export function writeContractFiles(root: string, files: ReadonlyMap<string, string>): { written: string[]; removed: string[] } {
  const existing = workingTreeFiles(root);
  const written: string[] = [];
  for (const [path, text] of files) {
    if (existing.get(path) === text) continue;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    written.push(path);
  }
  const removed = [...existing.keys()].filter((path) => !files.has(path));
  for (const path of removed) rmSync(join(root, path), { recursive: true });
  return { written, removed };
}

export interface Drift {
  path: string;
  problem: 'missing' | 'out of date' | 'not generated';
}

/** How the files on disk differ from the generated ones. */
export function findDrift(generated: ReadonlyMap<string, string>, onDisk: ReadonlyMap<string, string>): Drift[] {
  const drift: Drift[] = [];
  for (const [path, text] of generated) {
    const current = onDisk.get(path);
    if (current === undefined) drift.push({ path, problem: 'missing' });
    else if (current !== text) drift.push({ path, problem: 'out of date' });
  }
  for (const path of onDisk.keys()) if (!generated.has(path)) drift.push({ path, problem: 'not generated' });
  return drift;
}
