import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cruiseRoot } from './cruise.ts';
import { boundaryRules } from './rules.ts';
import { createSourceIndex } from './source-index.ts';
import type { BoundaryRule, CheckRule, DepcruiseRule, Dependency, Finding } from './types.ts';

/** The root cannot be linted (missing, or no modules/ folder); the CLI exits 2 on it. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface LintReport {
  /** Sorted by file, line, rule id. */
  findings: Finding[];
  /** Number of source files linted under modules/, platform/ and apps/. */
  fileCount: number;
  /** Every import edge from those files, as dependency-cruiser resolved it. */
  dependencies: Dependency[];
}

/**
 * Lints the module boundaries of the tree at `root` against `rules` (the boundary rule table by default).
 * @example const { findings } = await lintBoundaries('.');
 */
export async function lintBoundaries(root: string, rules: readonly BoundaryRule[] = boundaryRules): Promise<LintReport> {
  const absoluteRoot = resolve(root);
  const modulesDir = join(absoluteRoot, 'modules');
  if (!existsSync(absoluteRoot) || !statSync(absoluteRoot).isDirectory()) throw new UsageError(`${root} is not a directory`);
  if (!existsSync(modulesDir) || !statSync(modulesDir).isDirectory()) {
    throw new UsageError(`${root} has no modules/ folder; pass the repository root`);
  }
  const depcruiseRules = rules.filter((rule): rule is DepcruiseRule => rule.kind === 'depcruise');
  const checkRules = rules.filter((rule): rule is CheckRule => rule.kind === 'check');
  const cruised = await cruiseRoot(absoluteRoot, depcruiseRules);
  const sources = createSourceIndex(absoluteRoot);

  const findings: Finding[] = cruised.violations.flatMap(({ ruleId, dependency }) => {
    const rule = depcruiseRules.find((r) => r.id === ruleId);
    if (!rule) return [];
    const line = sources.importLine(dependency.from, dependency.specifier);
    const written = { ...dependency, specifier: sources.written(dependency.from, dependency.specifier) };
    return [{ file: dependency.from, line, ruleId, message: rule.message(written), allowed: rule.allowed }];
  });
  const moduleNames = readdirSync(modulesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name);
  const context = { root: absoluteRoot, files: cruised.files, dependencies: cruised.dependencies, moduleNames, sources };
  for (const rule of checkRules) findings.push(...rule.check(context, rule));

  findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.ruleId.localeCompare(b.ruleId));
  return { findings, fileCount: cruised.files.length, dependencies: cruised.dependencies };
}
