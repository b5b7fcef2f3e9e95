import { sql } from 'drizzle-orm';
import { openDatabase, redactUrl, resultRows, type Executor } from '../db/index.ts';
import type { Logger } from '../observability/index.ts';
import { moduleRole, provisionModuleSchema, reach } from './databases.ts';

/** A module and the URL its own deployment connects with: `postgres://cleave_<module>:<password>@host/<database>`. */
export interface ModuleLogin {
  module: string;
  url: string;
}

export interface ProvisionLoginsOptions {
  /** A user that may create databases and roles (CREATEDB, CREATEROLE); its URL's database is where it connects first. */
  adminUrl: string;
  logins: readonly ModuleLogin[];
  /** PostgreSQL over TLS, verified against this CA (PEM). */
  ca?: string | undefined;
  log: Logger;
}

/** What was created: databases and roles that did not exist before. */
export interface ProvisionResult {
  databases: string[];
  roles: string[];
}

/**
 * The administrative half of data sovereignty, for deployments whose pods must not hold a user that can create roles:
 * creates each module's database (if missing), makes the module's role (`cleave_<module>`) a login role with the
 * password of its URL, and gives it its schema (`provisionModuleSchema`, the same step a host runs at start-up with
 * `DATABASE_ROLES`). Application pods then connect with only their own module's URL and `DATABASE_ROLES=false`.
 * Idempotent: run it again after adding a module or changing a password.
 */
export async function provisionModuleLogins(options: ProvisionLoginsOptions): Promise<ProvisionResult> {
  const targets = options.logins.map((l) => parseLogin(l));
  // Databases and roles are made on the admin URL's server, whatever server a module's URL names: right when that is a
  // pooler in front of the same PostgreSQL, wrong when it is another server. Names are compared, not resolved.
  const admin = serverOf(options.adminUrl);
  for (const login of options.logins) {
    const own = serverOf(login.url);
    if (own && admin && own !== admin)
      options.log.warn(
        { module: login.module, moduleServer: own, adminServer: admin },
        `${login.module}'s URL names another server than DATABASE_URL; its database and role are made on DATABASE_URL's (right if the other is a pooler in front of it; otherwise run this with a DATABASE_URL on that server)`,
      );
  }
  const result: ProvisionResult = { databases: [], roles: [] };
  const server = await openDatabase({ url: options.adminUrl, maxConnections: 1, ca: options.ca });
  try {
    // An admin database out of reach is said as such (naming DATABASE_URL), not as the first query that failed.
    await reach(server, options.adminUrl, 'DATABASE_URL');
    for (const database of [...new Set(targets.map((t) => t.database))]) {
      const exists = resultRows(await server.db.execute(sql`select 1 from pg_database where datname = ${database}`)).length > 0;
      if (exists) continue;
      // CREATE DATABASE cannot run in a transaction; format('%I') quotes the name on the server.
      await server.db.execute(sql.raw(await quoted(server.db, 'create database %I', database)));
      result.databases.push(database);
      options.log.info({ database }, 'database created');
    }
    for (const t of targets) {
      const created = await server.db.transaction(async (tx) => {
        // Roles are cluster-wide; two jobs (or a job and a starting host) may provision the same one at once.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`cleave:provision:${t.module}`}))`);
        const exists = resultRows(await tx.execute(sql`select 1 from pg_roles where rolname = ${t.role}`)).length > 0;
        // The password travels as a bind parameter and is quoted by the server, never pasted into SQL here.
        const statement = exists ? 'alter role %I login password %L' : 'create role %I login password %L';
        await tx.execute(sql.raw(await quoted(tx, statement, t.role, t.password)));
        return !exists;
      });
      if (created) result.roles.push(t.role);
      options.log.info({ module: t.module, role: t.role, created }, created ? 'module role created' : 'module role password set');
    }
    for (const database of [...new Set(targets.map((t) => t.database))]) {
      const url = new URL(options.adminUrl);
      url.pathname = `/${encodeURIComponent(database)}`;
      const admin = await openDatabase({ url: url.toString(), maxConnections: 1, ca: options.ca });
      try {
        for (const t of targets.filter((x) => x.database === database)) {
          await provisionModuleSchema(admin, t.module);
          options.log.info({ module: t.module, database, schema: t.module }, 'schema owned by the module role');
        }
      } finally {
        await admin.close();
      }
    }
    return result;
  } finally {
    await server.close();
  }
}

interface Target {
  module: string;
  role: string;
  password: string;
  database: string;
}

function parseLogin(login: ModuleLogin): Target {
  const role = moduleRole(login.module);
  let url: URL;
  try {
    url = new URL(login.url);
  } catch {
    throw new Error(`The database URL of ${login.module} is not a URL.`);
  }
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const where = redactUrl(login.url);
  if (user !== role) throw new Error(`The database URL of ${login.module} (${where}) must connect as ${role}, the module's role, not as "${user}".`);
  if (password === '') throw new Error(`The database URL of ${login.module} (${where}) has no password: the module's role logs in with it.`);
  if (database === '') throw new Error(`The database URL of ${login.module} (${where}) names no database.`);
  return { module: login.module, role, password, database };
}

/** `format(template, ...values)` evaluated by the server: identifiers and literals quoted by PostgreSQL itself. */
async function quoted(db: Executor, template: string, ...values: string[]): Promise<string> {
  const args = values.map((v) => sql`${v}::text`);
  const rows = resultRows<{ statement: string }>(await db.execute(sql`select format(${template}, ${sql.join(args, sql`, `)}) as statement`));
  const statement = rows[0]?.statement;
  if (!statement) throw new Error(`format(${template}) returned nothing`);
  return statement;
}

/** `host:port` of a PostgreSQL URL (port 5432 when it names none); `undefined` for postgres.js's several-host form. */
function serverOf(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const { hostname, port } = new URL(url);
  return `${hostname}:${port || '5432'}`;
}
