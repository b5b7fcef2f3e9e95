/**
 * `npm run db:migrate`: applies every hosted module's pending migrations and exits. Refuses (exit 2) a module that
 * would be migrated in embedded PGlite with `DATA_DIR=memory`: that database is gone when the command exits.
 */
import process from 'node:process';
import { debugStacks, ignoreClosedOutput, parseCommandLine } from '../../platform/cli/index.ts';
import { ConfigError, loadConfigOrExit, readEnvironment } from '../../platform/config/index.ts';
import { hostedModules, migrateModules, startFailure, type ModuleDefinition } from '../../platform/host/index.ts';
import { loadModules } from '../load-modules.ts';

ignoreClosedOutput();

// It takes none: a flag meant for another command must not pass unnoticed while this one changes the database.
const command = {
  name: 'db:migrate',
  usage: `usage: npm run db:migrate
  applies the pending migrations of every module this configuration hosts (MODULES, DATABASE_URL…) and exits`,
};
parseCommandLine({ ...command, options: {} });

const modules = await loadModules(command.name);
const config = loadConfigOrExit(readEnvironment(), { command: command.name });
// Only which modules are hosted here matters: how they would call each other or exchange events (REMOTE_MODULES,
// REDIS_URL) is for the host that serves them.
let hosted: ModuleDefinition[];
try {
  hosted = hostedModules(config, modules);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${command.name}: ${error.message}\n`);
  process.exit(1);
}
// A module without a URL of its own or DATABASE_URL is on embedded PGlite in DATA_DIR.
const inMemory = hosted.filter((m) => !(config.database.moduleUrls[m.name] ?? config.database.url));
if (config.database.dataDir === 'memory' && inMemory.length > 0) {
  process.stderr.write(
    `db:migrate: DATA_DIR=memory keeps nothing: ${inMemory.map((m) => m.name).join(', ')} would be migrated in a database that is gone when this command exits; set DATA_DIR to a folder, or DATABASE_URL to a PostgreSQL database (a host on DATA_DIR=memory migrates at start).\n`,
  );
  process.exit(2);
}

// A failed statement's drizzle error says only "Failed query: <sql>": the database's reason is its cause, printed as a
// host that cannot start prints it (bound values left out); the stacks with DEBUG=1.
await migrateModules(config, modules).catch((error: unknown) => {
  process.stderr.write(`db:migrate: ${startFailure(error)}\n${debugStacks(error)}`);
  process.exit(1);
});
