import { sql } from 'drizzle-orm';
import { variablePrefix, type Config } from '../config/index.ts';
import { connectionProblem, openDatabase, quoteIdentifier as ident, redactUrl, type DatabaseHandle } from '../db/index.ts';
import type { Logger } from '../observability/index.ts';
import type { ModuleDefinition } from './define-module.ts';

/** The database role a module's queries run as on PostgreSQL. */
export function moduleRole(module: string): string {
  return `cleave_${module.replaceAll('-', '_')}`;
}

/**
 * Creates the module's role (if missing) and its schema owned by that role, and takes the schema away from
 * everyone else. Runs as the connecting (administrative) user; safe to run from several processes at once.
 */
export async function provisionModuleSchema(admin: DatabaseHandle, module: string): Promise<void> {
  const role = ident(moduleRole(module));
  await admin.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`cleave:provision:${module}`}))`);
    // Roles are cluster-wide: another database's provisioning may create it between our check and our create.
    await tx.execute(sql.raw(`do $$ begin create role ${role} nologin; exception when duplicate_object or unique_violation then null; end $$`));
    await tx.execute(sql.raw(`grant ${role} to current_user`));
    await tx.execute(sql.raw(`create schema if not exists ${ident(module)} authorization ${role}`));
    await tx.execute(sql.raw(`alter schema ${ident(module)} owner to ${role}`));
    await tx.execute(sql.raw(`revoke all on schema ${ident(module)} from public`));
    // Objects another user made in the schema (a pg_dump restored with --no-owner belongs to whoever restored it) go
    // to the module's role too: owning the schema alone does not let the role read its tables.
    await tx.execute(sql.raw(adoptObjectsStatement(module, moduleRole(module))));
  });
}

/**
 * A DO block that gives `role` every table, view, sequence (not one a column owns: it follows its table), function
 * and type in `schema` that someone else owns.
 */
function adoptObjectsStatement(schema: string, role: string): string {
  const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
  return `do $$
declare r record;
begin
  for r in
    select format('alter %s %s owner to %I',
             case c.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'S' then 'sequence'
                            when 'f' then 'foreign table' else 'table' end,
             c.oid::regclass, ${literal(role)}) as statement
      from pg_class c
     where c.relnamespace = (select oid from pg_namespace where nspname = ${literal(schema)})
       and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
       and c.relowner <> (select oid from pg_roles where rolname = ${literal(role)})
       and not (c.relkind = 'S' and exists (select 1 from pg_depend d
                                              where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i')))
    union all
    select format('alter function %s owner to %I', p.oid::regprocedure, ${literal(role)})
      from pg_proc p
     where p.pronamespace = (select oid from pg_namespace where nspname = ${literal(schema)}) and p.proowner <> (select oid from pg_roles where rolname = ${literal(role)}) and p.prokind = 'f'
    union all
    select format('alter type %s owner to %I', t.oid::regtype, ${literal(role)})
      from pg_type t
     where t.typnamespace = (select oid from pg_namespace where nspname = ${literal(schema)}) and t.typowner <> (select oid from pg_roles where rolname = ${literal(role)})
       and t.typtype in ('e', 'd')
  loop
    execute r.statement;
  end loop;
end $$`;
}

/**
 * On a database only this process writes (`ModuleDatabases.exclusive`), every commit wakes the module's saga and
 * projection runners, so they poll only as a safety net, this seldom.
 */
export const exclusiveIdlePollMs = 30_000;

export interface ModuleDatabases {
  /** The database each local module uses (its own role on PostgreSQL when roles are on). */
  of(module: string): DatabaseHandle;
  /**
   * Whether only this process uses the module's database and it runs one transaction at a time: the embedded PGlite
   * the host opened itself. Its relay then checks handed-over rows in memory (`RelayOptions.exclusive`).
   */
  exclusive(module: string): boolean;
  close(): Promise<void>;
}

/**
 * Opens the databases of the modules hosted here. PGlite: one embedded instance shared by all (schemas still
 * separate). PostgreSQL: per module, `<MODULE>_DATABASE_URL` or `DATABASE_URL`; with roles on, each module gets
 * its own pool whose sessions run as the module's role, so a query into another module's schema is refused by
 * the database itself.
 */
export async function openModuleDatabases(config: Config, modules: readonly ModuleDefinition[], log: Logger): Promise<ModuleDatabases> {
  const handles = new Map<string, DatabaseHandle>();
  const timeouts = { statementMs: config.database.statementTimeoutMs, idleInTransactionMs: config.database.idleInTransactionTimeoutMs };
  const opened: DatabaseHandle[] = [];
  const ca = config.tls.databaseCa;
  try {
    let pglite: DatabaseHandle | undefined;
    const admins = new Map<string, DatabaseHandle>();
    for (const m of modules) {
      const url = config.database.moduleUrls[m.name] ?? config.database.url;
      if (!url) {
        const file = config.database.pgliteImage;
        pglite ??= await openDatabase({
          dataDir: config.database.dataDir,
          onWait: (message) => log.warn(message),
          ...(file ? { image: { file }, onImage: (message: string) => log.warn(message) } : {}),
        });
        if (!opened.includes(pglite)) opened.push(pglite);
        handles.set(m.name, pglite);
        continue;
      }
      if (!config.database.roles) {
        let shared = admins.get(url);
        if (!shared) {
          shared = await openDatabase({ url, timeouts, ca, maxConnections: config.database.poolMax });
          admins.set(url, shared);
          opened.push(shared);
          await reach(shared, url, databaseSetting(config, m.name));
        }
        handles.set(m.name, shared);
        continue;
      }
      let admin = admins.get(url);
      if (!admin) {
        admin = await openDatabase({ url, maxConnections: 2, ca });
        admins.set(url, admin);
        opened.push(admin);
        await reach(admin, url, databaseSetting(config, m.name));
      }
      await provisionModuleSchema(admin, m.name).catch((error: unknown) => {
        throw new Error(
          `Could not provision role ${moduleRole(m.name)} and schema ${m.name}: ${rootMessage(error)}. ` +
            'Connect as a user that may create roles, or set DATABASE_ROLES=false and manage grants yourself.',
          { cause: error },
        );
      });
      const own = await openDatabase({ url, role: moduleRole(m.name), timeouts, ca, maxConnections: config.database.poolMax });
      opened.push(own);
      handles.set(m.name, own);
      log.debug({ module: m.name, role: moduleRole(m.name), database: own.describe }, 'module database opened');
    }
    return {
      of(module) {
        const handle = handles.get(module);
        if (!handle) throw new Error(`Module ${module} has no database here.`);
        return handle;
      },
      exclusive: (module) => pglite !== undefined && handles.get(module) === pglite,
      close: () => Promise.all(opened.map((h) => h.close())).then(() => undefined),
    };
  } catch (error) {
    await Promise.all(opened.map((h) => h.close().catch(() => {})));
    throw error;
  }
}

/** All modules on one database handle the caller owns (tests): nothing opened, nothing closed. */
export function sharedDatabase(handle: DatabaseHandle): ModuleDatabases {
  return { of: () => handle, exclusive: () => false, close: async () => {} };
}

/** The setting naming a module's database: its own `<MODULE>_DATABASE_URL`, else `DATABASE_URL`. */
export function databaseSetting(config: Config, module: string): string {
  return config.database.moduleUrls[module] ? `${variablePrefix(module)}_DATABASE_URL` : 'DATABASE_URL';
}

/**
 * For a command's `--offline` (embedded PGlite with the host stopped): the refusal when every one of `modules` is on
 * PostgreSQL instead, naming where (passwords masked), so nobody believes a shared database is a local directory.
 */
export function offlineRefusal(config: Config, modules: readonly { name: string }[]): string | undefined {
  const onPostgres = modules.map(({ name: m }) => ({ m, url: config.database.moduleUrls[m] ?? config.database.url }));
  if (onPostgres.length === 0 || onPostgres.some((o) => !o.url)) return undefined;
  const where = onPostgres.map(({ m, url }) => `${m} at ${redactUrl(url as string)} (${databaseSetting(config, m)})`).join(', ');
  return `--offline is for embedded PGlite (DATA_DIR), but ${onPostgres.length === 1 ? 'the module is' : 'the modules are'} on PostgreSQL: ${where}; drop --offline to work there, or unset the URL to use the PGlite data.`;
}

/**
 * One statement before anything else, so a database that cannot be reached (refused, unknown host, no such
 * database, login refused) is said in one line naming the setting, not as a failed provisioning or migration.
 */
export async function reach(handle: DatabaseHandle, url: string, variable: string): Promise<void> {
  try {
    await handle.db.execute(sql`select 1`);
  } catch (error) {
    const problem = connectionProblem(error);
    if (problem === undefined) throw error;
    throw new Error(`Cannot reach PostgreSQL at ${redactUrl(url)}: ${problem}; check ${variable}.`, { cause: error });
  }
}

/** The innermost message of an error chain: the database's own words rather than the driver's wrapping. */
function rootMessage(error: unknown): string {
  let e = error;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
