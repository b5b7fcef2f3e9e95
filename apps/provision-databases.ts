/**
 * `npm run db:provision [-- --module m ...]`: the administrative step of a deployment whose pods hold only their own
 * module's credentials (the Kubernetes admin Job runs it; compiled, `node dist/apps/provision-databases.js`).
 * Connects with `DATABASE_URL` (a user with CREATEDB and CREATEROLE), and for each module creates the database of
 * `<MODULE>_DATABASE_URL` if missing, makes `cleave_<module>` a login role with that URL's password, and gives it its
 * schema. Both may come from files (`_FILE`). Exit codes: 0 provisioned, 1 failed or a setting invalid (as every
 * command and host: platform/config), 2 bad usage or no DATABASE_URL.
 */
import process from 'node:process';
import { ignoreClosedOutput, parseCommandLine, usageError } from '../platform/cli/index.ts';
import { loadConfigOrExit, readEnvironment, variablePrefix } from '../platform/config/index.ts';
import { provisionModuleLogins } from '../platform/host/index.ts';
import { createLogger } from '../platform/observability/index.ts';
import { loadModules } from './load-modules.ts';

ignoreClosedOutput();

function fail(message: string, code: number): never {
  process.stderr.write(`db:provision: ${message}\n`);
  process.exit(code);
}

const known: string[] = (await loadModules('db:provision')).map((m) => m.name);
const command = {
  name: 'db:provision',
  usage: `usage: npm run db:provision [-- --module <m>]...
  with DATABASE_URL (a user that may create databases and roles), creates each module's database of
  <MODULE>_DATABASE_URL if missing, its login role with that URL's password, and its schema
  --module  only this module (repeatable): ${known.join(', ')}`,
};
const chosen = parseCommandLine({ ...command, options: { module: { type: 'string', multiple: true, default: [] } } }).values.module;
for (const name of chosen) if (!known.includes(name)) usageError(command, `unknown module "${name}"; modules: ${known.join(', ')}`);
const config = loadConfigOrExit(readEnvironment(), { command: 'db:provision' });
const adminUrl = config.database.url;
if (!adminUrl) fail('set DATABASE_URL (or DATABASE_URL_FILE) to a user that may create databases and roles', 2);
const names = chosen.length > 0 ? chosen : known;
const missing = names.filter((m) => !config.database.moduleUrls[m]);
if (missing.length > 0) {
  const variables = missing.map((m) => `${variablePrefix(m)}_DATABASE_URL`);
  fail(`set ${variables.join(', ')} (or their _FILE): each module's role logs in with the user and password of its URL`, 2);
}
const log = createLogger(config.log);
try {
  const result = await provisionModuleLogins({
    adminUrl,
    logins: names.map((module) => ({ module, url: config.database.moduleUrls[module] as string })),
    ca: config.tls.databaseCa,
    log,
  });
  log.info({ modules: names, createdDatabases: result.databases, createdRoles: result.roles }, 'databases and module roles provisioned');
} catch (error) {
  fail(error instanceof Error ? error.message : String(error), 1);
}
