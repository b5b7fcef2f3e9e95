import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeOutputFiles } from '../../platform/cli/index.ts';
import { generatedMarker, manifestObjects, renderFiles, validateObjects } from './manifests.ts';
import type { K8sModule, K8sOptions } from './model.ts';

export const repositoryRoot = resolve(import.meta.dirname, '../..');

/** The application's version, from package.json. */
export function appVersion(root = repositoryRoot): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Modules already extracted with `npm run extract` (an `apps/extracted/<m>/main.ts`), in the modules' order. */
export function extractedModules(modules: readonly K8sModule[], root = repositoryRoot): string[] {
  return modules.filter((m) => existsSync(join(root, 'apps', 'extracted', m.name, 'main.ts'))).map((m) => m.name);
}

/** The manifests' files, every object validated against the Kubernetes schemas first. */
export function k8sFiles(modules: readonly K8sModule[], options: K8sOptions, command: string): Map<string, string> {
  const objects = manifestObjects(modules, options);
  validateObjects(objects);
  return renderFiles(objects, command);
}

/** The generated files under `dir` now (those whose first line is the tool's marker). */
export function generatedFilesIn(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  if (!existsSync(dir)) return found;
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const text = readFileSync(join(dir, name), 'utf8');
    if (text.startsWith(generatedMarker)) found.set(name, text);
  }
  return found;
}

/** Files that differ, are missing, or are generated leftovers the manifests no longer have. */
export function driftOf(planned: ReadonlyMap<string, string>, present: ReadonlyMap<string, string>): { stale: string[]; missing: string[]; extra: string[] } {
  return {
    stale: [...planned.keys()].filter((f) => present.has(f) && present.get(f) !== planned.get(f)),
    missing: [...planned.keys()].filter((f) => !present.has(f)),
    extra: [...present.keys()].filter((f) => !planned.has(f)),
  };
}

/**
 * Writes the files (all or none: an OutputError names the one that failed), then removes generated files the
 * manifests no longer have (a module no longer extracted).
 */
export function writeK8sFiles(dir: string, files: ReadonlyMap<string, string>): { written: string[]; removed: string[] } {
  const removed = [...generatedFilesIn(dir).keys()].filter((f) => !files.has(f));
  writeOutputFiles([...files].map(([name, text]) => [join(dir, name), text] as const));
  for (const f of removed) rmSync(join(dir, f));
  return { written: [...files.keys()], removed };
}
