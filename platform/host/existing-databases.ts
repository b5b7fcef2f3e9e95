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

async function refuseWithoutSchemas(handle: DatabaseHandle, where: string, modules: string[]): Promise<void> {
  let found: unknown[];
  try {
    const names = sql.join(
      modules.map((m) => sql`${m}`),
      sql`, `,
    );
    found = resultRows(await handle.db.execute(sql`select nspname from pg_namespace where nspname in (${names})`));
  } catch (error) {
    const problem = connectionProblem(error);
    if (problem === undefined) throw error;
    throw new Error(`${isMissingDatabase(error) ? 'no Cleave data in' : 'cannot read'} ${where}: ${problem}`, { cause: error });
  }
  if (found.length === 0) throw new Error(`no Cleave data in ${where}: it holds no schema of ${modules.join(', ')}`);
}

/**
 * For a command that writes to modules' existing data (rotating keys, rewrapping data keys): refuses, with one line,
 * a PostgreSQL database that lacks the schema of one of `modules`, before the command opens them with
 * `openModuleDatabases`, which provisions each module's role and schema and would create them in a database Cleave
 * never migrated (a mistyped `DATABASE_URL`). Read as the URL's own user; nothing is created. Embedded PGlite is
 * `missingEmbeddedData`'s to check.
 */
export async function requireModuleSchemas(config: Config, modules: readonly ModuleDefinition[]): Promise<void> {
  for (const m of modules) {
    const url = config.database.moduleUrls[m.name] ?? config.database.url;
    if (!url) continue;
    const handle = await openDatabase({ url, maxConnections: 1, ca: config.tls.databaseCa });
    try {
      await reach(handle, url, databaseSetting(config, m.name));
      const found = resultRows(await handle.db.execute(sql`select 1 from pg_namespace where nspname = ${m.name}`));
      if (found.length === 0)
        throw new Error(
          `no Cleave data for ${m.name} in database ${redactUrl(url)} (${databaseSetting(config, m.name)}): it has no schema ${m.name}; run npm run db:migrate there first, or check ${databaseSetting(config, m.name)}`,
        );
    } finally {
      await handle.close();
    }
  }
}
