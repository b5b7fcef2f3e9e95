import { readFileSync } from 'node:fs';
import type { ConfigProblem } from './load-config.ts';

/**
 * Settings that hold secrets and may come from a file (`<NAME>_FILE`, e.g. a mounted Kubernetes or Docker secret).
 * The database and Redis URLs are among them: they carry passwords. `<MODULE>_DATABASE_URL_FILE` and
 * `<MODULE>_CLIENT_SECRET_FILE` work too.
 */
export const secretVariables = [
  'IDENTITY_KEK',
  'DATA_KEK',
  'IDENTITY_ADMIN_SECRET',
  'MODULE_CLIENT_KEY',
  'OPS_SESSION_KEY',
  'DATABASE_URL',
  'REDIS_URL',
] as const;

/** `INVENTORY` for `inventory`, `ORDER_HISTORY` for `order-history`: the prefix of a module's own variables. */
export const variablePrefix = (module: string): string => module.toUpperCase().replaceAll('-', '_');

/** `INVENTORY_DATABASE_URL`: a module's own database, read from a file as `INVENTORY_DATABASE_URL_FILE`. */
const moduleDatabaseUrl = /^[A-Z][A-Z0-9_]*_DATABASE_URL$/;
/** `INVENTORY_CLIENT_SECRET`: the one module client secret a host running only that module needs. */
export const moduleClientSecretVariable = /^([A-Z][A-Z0-9_]*)_CLIENT_SECRET$/;

/** Variables named per module that hold secrets. */
const perModuleSecret = (name: string) => moduleDatabaseUrl.test(name) || moduleClientSecretVariable.test(name);

/** Whether the variable `name` holds a secret: never shown in messages, logs or answers. */
export function isSecretVariable(name: string): boolean {
  return (secretVariables as readonly string[]).includes(name) || perModuleSecret(name);
}

/**
 * `IDENTITY_KEK_FILE=/run/secrets/kek` sets `IDENTITY_KEK` to the file's content (one trailing newline dropped).
 * Setting both, or naming a file that cannot be read, is a problem; the error names the variable and path, never
 * the content.
 */
export function readSecretFiles(env: Record<string, string>, problems: ConfigProblem[]): Record<string, string> {
  const result = { ...env };
  const names = new Set<string>(secretVariables);
  for (const key of Object.keys(env)) {
    const name = key.slice(0, -'_FILE'.length);
    if (key.endsWith('_FILE') && perModuleSecret(name)) names.add(name);
  }
  for (const name of names) {
    const file = env[`${name}_FILE`];
    delete result[`${name}_FILE`];
    if (file === undefined) continue;
    if (env[name] !== undefined) {
      problems.push({ variable: `${name}_FILE`, message: `set ${name} or ${name}_FILE, not both` });
      continue;
    }
    try {
      const content = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      if (content === '') problems.push({ variable: `${name}_FILE`, message: `${file} is empty` });
      // A second line break (a heredoc's, an editor's blank line) would become part of the secret: a password or
      // client secret that no longer matches, a URL or key refused for a reason hard to see.
      else if (/[\r\n]$/.test(content))
        problems.push({
          variable: `${name}_FILE`,
          message: `${file} ends with an empty line, which would be part of the value; leave at most one line break at its end (printf '%s' writes none)`,
        });
      else result[name] = content;
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push({ variable: `${name}_FILE`, message: `cannot read ${file} (${reason})` });
    }
  }
  return result;
}
