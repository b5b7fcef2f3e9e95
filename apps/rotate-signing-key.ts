/**
 * `npm run keys:rotate [-- --offline]`: rotates identity's signing key in its database and prints the key set. Safe
 * while replicas serve on PostgreSQL: the new key is published at once and signs after IDENTITY_KEY_ACTIVATION_DELAY.
 * Embedded PGlite belongs to one process: with a host running on it, use POST /identity/v1/keys/rotate instead;
 * `--offline` says the host is stopped, and is refused when identity is on PostgreSQL. Exit codes: 0 rotated, 1 failed,
 * 2 bad usage.
 */
import process from 'node:process';
import { auditMigrations } from '../platform/audit/index.ts';
import { ignoreClosedOutput, parseCommandLine } from '../platform/cli/index.ts';
import { loadConfigOrExit, readEnvironment } from '../platform/config/index.ts';
import { pendingMigrations, readMigrations, redactUrl } from '../platform/db/index.ts';
import { databaseSetting, missingEmbeddedData, openModuleDatabases, requireModuleSchemas } from '../platform/host/index.ts';
import { createLogger } from '../platform/observability/index.ts';
import { identityModule, rotateSigningKeys } from '../modules/identity/index.ts';

ignoreClosedOutput();

function fail(message: string, code: number): never {
  process.stderr.write(`keys:rotate: ${message}\n`);
  process.exit(code);
}

const usage = `usage: npm run keys:rotate [-- --offline]
  rotates identity's signing key in its database (DATABASE_URL / IDENTITY_DATABASE_URL) and prints the key set
  --offline  embedded PGlite (DATA_DIR) with the host stopped; with a host running, use POST /identity/v1/keys/rotate;
             refused when DATABASE_URL or IDENTITY_DATABASE_URL is set`;
const { offline } = parseCommandLine({ name: 'keys:rotate', usage, options: { offline: { type: 'boolean', default: false } } }).values;
const config = loadConfigOrExit(readEnvironment(), { command: 'keys:rotate' });
const url = config.database.moduleUrls.identity ?? config.database.url;
const embedded = !url;
// --offline means embedded PGlite with the host stopped; given with a PostgreSQL URL, the operator may believe the
// rotation touches a local directory while it changes the shared database every replica signs from.
if (url && offline) {
  fail(
    `--offline is for embedded PGlite (DATA_DIR), but identity is on PostgreSQL at ${redactUrl(url)} (${databaseSetting(config, 'identity')}): drop --offline to rotate there (safe while replicas serve), or unset ${databaseSetting(config, 'identity')} to rotate the PGlite data.`,
    2,
  );
}
// In-memory data lives and dies with the host that holds it: there is nothing to open with the host stopped.
if (embedded && config.database.dataDir === 'memory') {
  fail(
    'identity is on in-memory PGlite (DATA_DIR=memory), which only the running host holds: rotate through it (POST /identity/v1/keys/rotate); a stopped one has no keys left to rotate.',
    2,
  );
}
if (embedded && !offline) {
  fail(
    `identity is on embedded PGlite (${config.database.dataDir}), which one process owns: rotate through the running host (POST /identity/v1/keys/rotate), or stop it and pass --offline.`,
    2,
  );
}
// An offline run on a DATA_DIR without Cleave's data would create an empty database only to find no tables in it.
const noData = embedded ? missingEmbeddedData(config) : undefined;
if (noData) fail(`${noData}: start Cleave there once, or run npm run db:migrate, first.`, 1);
// Unreachable or refusing: one line naming why, not a stack trace. A PostgreSQL database without identity's schema is
// refused before opening it provisions the module's role and schema there.
await requireModuleSchemas(config, [identityModule]).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error), 1));
const databases = await openModuleDatabases(config, [identityModule], createLogger({ ...config.log, level: 'warn' })).catch((error: unknown) =>
  fail(error instanceof Error ? error.message : String(error), 1),
);
try {
  const db = databases.of('identity').db;
  const pending =
    (await pendingMigrations(db, 'identity', readMigrations(identityModule.migrations))) +
    (await pendingMigrations(db, 'identity', auditMigrations('identity')));
  if (pending > 0) fail('identity has pending migrations: run npm run db:migrate first.', 1);
  process.stderr.write(
    `keys:rotate: rotating identity's signing key on ${url ? `PostgreSQL at ${redactUrl(url)}` : `embedded PGlite in ${config.database.dataDir}`}\n`,
  );
  process.stdout.write(`${JSON.stringify(await rotateSigningKeys(config, db), null, 2)}\n`);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error), 1);
} finally {
  await databases.close();
}
