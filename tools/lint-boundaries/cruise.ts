import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cruise, type ICruiseOptions, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import type { DepcruiseRule, Dependency } from './types.ts';

/** The top-level folders whose files are linted; tests/ (and its fixtures) are not product code. */
export const LINTED_FOLDERS = ['modules', 'platform', 'apps'] as const;

export interface CruiseOutcome {
  /** Linted source files, relative to the root. */
  files: string[];
  dependencies: Dependency[];
  /** Edges dependency-cruiser found in breach of a rule, by rule id. */
  violations: { ruleId: string; dependency: Dependency }[];
}

/**
 * Runs dependency-cruiser over the linted folders of `root` with the `depcruise` rows as forbidden rules. Uses
 * `root/tsconfig.json` when there is one, with pre-compilation (type-only) imports counted as dependencies.
 */
export async function cruiseRoot(root: string, rules: readonly DepcruiseRule[]): Promise<CruiseOutcome> {
  const folders = LINTED_FOLDERS.filter((folder) => existsSync(join(root, folder)));
  const tsConfigFile = join(root, 'tsconfig.json');
  const hasTsConfig = existsSync(tsConfigFile);
  const forbidden: IForbiddenRuleType[] = rules.map((rule) => ({
    name: rule.id,
    severity: 'error',
    comment: rule.description,
    ...rule.depcruise,
  }));
  const options: ICruiseOptions = {
    baseDir: root,
    validate: true,
    ruleSet: { forbidden },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    // Not `exclude: node_modules`: that would drop package imports from the graph, and domain-purity needs them.
    exclude: { path: '\\.d\\.[cm]?ts$' },
    // Resolve packages through their `exports` map as Node does, so subpath imports (hono/body-limit) resolve.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    ...(hasTsConfig ? { tsConfig: { fileName: tsConfigFile } } : {}),
  };
  const transpile = hasTsConfig ? { tsConfig: extractTSConfig(tsConfigFile) } : {};
  const { output } = await cruise([...folders], options, {}, transpile);
  if (typeof output === 'string') throw new Error('dependency-cruiser returned text where a result object was expected');
  return outcome(output, folders);
}

function outcome(result: ICruiseResult, folders: readonly string[]): CruiseOutcome {
  const linted = (path: string): boolean => folders.some((folder) => path.startsWith(`${folder}/`));
  const files: string[] = [];
  const dependencies: Dependency[] = [];
  for (const module of result.modules) {
    if (!linted(module.source) || module.coreModule || module.couldNotResolve) continue;
    files.push(module.source);
    for (const d of module.dependencies) dependencies.push({ from: module.source, to: d.resolved, specifier: d.module, couldNotResolve: d.couldNotResolve });
  }
  const violations = (result.summary.violations ?? []).flatMap((violation) => {
    const dependency = dependencies.find((d) => d.from === violation.from && d.to === violation.to);
    return dependency ? [{ ruleId: violation.rule.name, dependency }] : [];
  });
  return { files: files.sort(), dependencies, violations };
}
