import { ConfigError, variablePrefix, type Config, type ConfigProblem } from '../config/index.ts';
import type { ModuleDefinition } from './define-module.ts';

/**
 * Refuses to start when a hosted module lacks a setting it needs (`ModuleDefinition.requires`), before any database
 * is opened or migrated; names every missing setting once, however many modules need it.
 */
/**
 * The `<MODULE>_DATABASE_URL` settings that name no module: a misspelt one (`INVENTROY_DATABASE_URL`) would leave its
 * module on `DATABASE_URL`, in a database it shares. `TEST_DATABASE_URL`, the test suites' server, is not a module's
 * (unless a module is called `test`).
 */
export function unknownModuleDatabaseUrls(config: Config, modules: readonly ModuleDefinition[]): ConfigProblem[] {
  const known = modules.map((m) => m.name);
  return Object.keys(config.database.moduleUrls)
    .filter((name) => !known.includes(name) && name !== 'test')
    .map((name) => ({
      variable: `${variablePrefix(name)}_DATABASE_URL`,
      message: `names no module (known: ${known.join(', ')}); a misspelt name leaves that module on DATABASE_URL. Correct or remove it`,
    }));
}

export function refuseMissingSettings(config: Config, local: readonly ModuleDefinition[]): void {
  const problems = new Map<string, ConfigProblem>();
  for (const m of local) for (const p of m.requires?.(config) ?? []) if (!problems.has(p.variable)) problems.set(p.variable, p);
  if (problems.size > 0) throw new ConfigError([...problems.values()]);
}
