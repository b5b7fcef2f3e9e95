import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Config } from '../config/index.ts';
import { connectionProblem, isMissingDatabase, openDatabase, redactUrl, resultRows, type DatabaseHandle } from '../db/index.ts';
import { databaseSetting, reach, type ModuleDatabases } from './databases.ts';
import type { ModuleDefinition } from './define-module.ts';

/**
 * Opens the databases of `modules` for a command that only reads them, creating nothing: a `DATA_DIR` without a
 * PGlite database is refused rather than initialised, PostgreSQL is read as the URL's own user (no module role or
 * schema provisioned), and a database that is out of reach, missing, or holds none of the modules' schemas is
 * refused with one line naming it and the setting to check.
 */
export async function openExistingModuleDatabases(config: Config, modules: readonly ModuleDefinition[]): Promise<ModuleDatabases> {
  const handles = new Map<string, DatabaseHandle>();
  const opened = new Map<string, { handle: DatabaseHandle; where: string; modules: string[] }>();
  try {
    for (const m of modules) {
      const url = config.database.moduleUrls[m.name] ?? config.database.url;
      const key = url ?? 'pglite';
      let entry = opened.get(key);
      if (!entry) {
        const where = url ? `database ${redactUrl(url)} (${databaseSetting(config, m.name)})` : `${resolve(config.database.dataDir)} (DATA_DIR)`;
        const missing = url ? undefined : missingEmbeddedData(config);
        if (missing) throw new Error(`${missing}: nothing to read`);
        const handle = url
          ? await openDatabase({ url, maxConnections: 2, ca: config.tls.databaseCa })
          : await openDatabase({ dataDir: config.database.dataDir });
        entry = { handle, where, modules: [] };
        opened.set(key, entry);
      }
      entry.modules.push(m.name);
      handles.set(m.name, entry.handle);
    }
    for (const { handle, where, modules: names } of opened.values()) await refuseWithoutSchemas(handle, where, names);
  } catch (error) {
    await Promise.all([...opened.values()].map((o) => o.handle.close().catch(() => {})));
    throw error;
  }
  return {
    of(module) {
      const handle = handles.get(module);
      if (!handle) throw new Error(`Module ${module} has no database here.`);
      return handle;
    },
    exclusive: () => false,
    close: () => Promise.all([...opened.values()].map((o) => o.handle.close())).then(() => undefined),
  };
}

/**
 * Why there is no embedded database to work on, for a command that must not create one: `DATA_DIR=memory`, or a
 * `DATA_DIR` without a PGlite database in it. Undefined when there is one.
 */
export function missingEmbeddedData(config: Config): string | undefined {
  const dir = config.database.dataDir;
  if (dir === 'memory') return 'no Cleave data in memory (DATA_DIR=memory)';
  if (!existsSync(join(dir, 'pglite', 'PG_VERSION'))) return `no Cleave data in ${resolve(dir)} (DATA_DIR)`;
  return undefined;
}

/** Which of the schemas named `names` the database holds (pg_namespace, readable by any user). */
async function schemasIn(handle: DatabaseHandle, names: readonly string[]): Promise<Set<string>> {
  const list = sql.join(
    names.map((m) => sql`${m}`),
    sql`, `,
  );
  const rows = resultRows<{ nspname: string }>(await handle.db.execute(sql`select nspname from pg_namespace where nspname in (${list})`));
  return new Set(rows.map((r) => r.nspname));
}

async function refuseWithoutSchemas(handle: DatabaseHandle, where: string, modules: string[]): Promise<void> {
  let found: Set<string>;
  try {
    found = await schemasIn(handle, modules);
  } catch (error) {
    const problem = connectionProblem(error);
    if (problem === undefined) throw error;
    throw new Error(`${isMissingDatabase(error) ? 'no Cleave data in' : 'cannot read'} ${where}: ${problem}`, { cause: error });
  }
  if (found.size === 0) throw new Error(`no Cleave data in ${where}: it holds no schema of ${modules.join(', ')}`);
}

/**
 * For a command that writes to modules' existing data (rotating keys, rewrapping data keys): refuses, with one line,
 * a PostgreSQL database that lacks the schema of one of `modules`, before the command opens them with
 * `openModuleDatabases`, which provisions each module's role and schema and would create them in a database Cleave
 * never migrated (a mistyped `DATABASE_URL`). Read as the URL's own user; nothing is created. Embedded PGlite is
 * `missingEmbeddedData`'s to check.
 */
export async function requireModuleSchemas(config: Config, modules: readonly ModuleDefinition[]): Promise<void> {
  // One connection per database, whatever the number of modules in it.
  const byUrl = new Map<string, string[]>();
  for (const m of modules) {
    const url = config.database.moduleUrls[m.name] ?? config.database.url;
    if (url) byUrl.set(url, [...(byUrl.get(url) ?? []), m.name]);
  }
  for (const [url, names] of byUrl) {
    const handle = await openDatabase({ url, maxConnections: 1, ca: config.tls.databaseCa });
    try {
      await reach(handle, url, databaseSetting(config, names[0] as string));
      const found = await schemasIn(handle, names);
      const missing = names.find((name) => !found.has(name));
      if (missing !== undefined) {
        const setting = databaseSetting(config, missing);
        throw new Error(
          `no Cleave data for ${missing} in database ${redactUrl(url)} (${setting}): it has no schema ${missing}; run npm run db:migrate there first, or check ${setting}`,
        );
      }
    } finally {
      await handle.close();
    }
  }
}
