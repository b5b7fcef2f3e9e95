import type { ConfigProblem } from './load-config.ts';
import { connectionUrlProblem, postgresScheme } from './setting-values.ts';

/**
 * Settings whose absence picks an embedded stand-in (PGlite for a database, the in-process bus and no registry for
 * Redis): with NODE_ENV=production an empty value (`DATABASE_URL=` from a template whose variable was not set) is
 * refused instead of being taken for unset, so a production host never quietly keeps its data in a container's
 * file system. Elsewhere empty counts as unset, as for every setting.
 */
export function emptyInProduction(env: Record<string, string | undefined>): ConfigProblem[] {
  return Object.entries(env)
    .filter(([key, value]) => value === '' && /^(?:(?:[A-Z][A-Z0-9_]*_)?DATABASE_URL|REDIS_URL)(?:_FILE)?$/.test(key))
    .map(([variable]) => ({
      variable,
      message: `is set but empty, which NODE_ENV=production does not take for unset (it would run without ${variable.startsWith('REDIS') ? 'Redis: an in-process bus, no registry' : 'a database server: embedded PGlite in DATA_DIR'}); give a URL or remove the variable`,
    }));
}

/** `INVENTORY_DATABASE_URL=…` → `{ inventory: … }`; module names with dashes use underscores (`ORDER_HISTORY_…`). */
export function moduleDatabaseUrls(env: Record<string, string | undefined>, problems: ConfigProblem[]): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const match = /^([A-Z][A-Z0-9_]*)_DATABASE_URL$/.exec(key);
    if (!match?.[1] || value === undefined) continue;
    const problem = postgresScheme.test(value) ? connectionUrlProblem(value) : 'must be a postgres:// or postgresql:// URL';
    if (problem) problems.push({ variable: key, message: problem });
    else urls[match[1].toLowerCase().replaceAll('_', '-')] = value;
  }
  return urls;
}
