/**
 * `npm run keys:reencrypt [-- --offline] [--module <name>] [--batch-size <n>] [--pause-ms <ms>] [--dry-run]`: after a
 * new key-encryption key is put first in DATA_KEK (the old one kept after it), rewraps every module's data keys under
 * it, in small transactions, and prints progress. Safe to stop at any point (SIGKILL included) and to run again: keys
 * already under the current KEK are skipped, and a batch commits whole or not at all. Once it reports nothing left,
 * the old KEK can be removed from DATA_KEK. Embedded PGlite belongs to one process: stop the host and pass
 * `--offline`. `--pause-ms` spreads the load on a busy database. Exit codes: 0 done, 1 failed, 2 bad usage.
 */
import process from 'node:process';
import { ignoreClosedOutput, parseCommandLine, usageError, wholeNumber } from '../platform/cli/index.ts';
import { classifiedColumns } from '../platform/compliance/index.ts';
import { loadConfigOrExit, readEnvironment } from '../platform/config/index.ts';
import { pendingMigrations, readMigrations } from '../platform/db/index.ts';
import { dataKeyTables, dataKeysByKek, rewrapDataKeys, unopenableDataKeys } from '../platform/encryption/index.ts';
import { missingEmbeddedData, offlineRefusal, openModuleDatabases, requireModuleSchemas } from '../platform/host/index.ts';
import { createLogger } from '../platform/observability/index.ts';
import { createSecretBox } from '../platform/security/index.ts';
import { loadModules } from './load-modules.ts';

ignoreClosedOutput();

function fail(message: string, code: number): never {
  process.stderr.write(`keys:reencrypt: ${message}\n`);
  process.exit(code);
}

const say = (line: string) => process.stdout.write(`keys:reencrypt: ${line}\n`);

const command = {
  name: 'keys:reencrypt',
  usage: `usage: npm run keys:reencrypt [-- --offline] [--module <name>]... [--batch-size 500] [--pause-ms 0] [--dry-run]
  rewraps every module's data keys under the first key of DATA_KEK; safe to stop and run again
  --offline     embedded PGlite (DATA_DIR) with the host stopped
  --module      only this module (repeatable); by default every module with data keys
  --batch-size  data keys per transaction (1 to 10000)
  --pause-ms    pause between batches, to spread the load on a busy database (0 to 3600000)
  --dry-run     count the data keys to rewrap, change nothing`,
};
const args = parseCommandLine({
  ...command,
  options: {
    offline: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    module: { type: 'string', multiple: true },
    'batch-size': { type: 'string', default: '500' },
    'pause-ms': { type: 'string', default: '0' },
  },
}).values;
const batchSize =
  wholeNumber(args['batch-size'], 1, 10_000) ?? usageError(command, `--batch-size must be a whole number from 1 to 10000, got "${args['batch-size']}"`);
const pauseMs =
  wholeNumber(args['pause-ms'], 0, 3_600_000) ??
  usageError(command, `--pause-ms must be a whole number of milliseconds up to 3600000, got "${args['pause-ms']}"`);

const modules = await loadModules(command.name);
// The modules that keep data keys: those with columns they classify as encrypted (sealed under per-subject keys).
const encrypting = modules.filter((m) => classifiedColumns(m.data).some((c) => c.data.protection === 'encrypted'));
const unknown = (args.module ?? []).filter((name) => !encrypting.some((m) => m.name === name));
if (unknown.length > 0) fail(`no module with data keys named ${unknown.join(', ')} (modules with data keys: ${encrypting.map((m) => m.name).join(', ')})`, 2);
const chosen = args.module ? encrypting.filter((m) => args.module?.includes(m.name)) : encrypting;

const config = loadConfigOrExit(readEnvironment(), { command: 'keys:reencrypt' });
const refusal = args.offline ? offlineRefusal(config, chosen) : undefined;
if (refusal) fail(refusal, 2);
const kek = config.dataEncryption.kek;
if (!kek?.[0]) fail('DATA_KEK is not set: it is required with NODE_ENV=production (set it, or DATA_KEK_FILE)', 1);
const current = kek[0].id;
const embedded = chosen.some((m) => !config.database.moduleUrls[m.name] && !config.database.url);
if (embedded && !args.offline) {
  fail(`embedded PGlite (${config.database.dataDir}) belongs to one process: stop the host and pass --offline.`, 2);
}

// An offline run on a DATA_DIR without Cleave's data would create an empty database only to find no tables in it.
const noData = embedded ? missingEmbeddedData(config) : undefined;
if (noData) fail(`${noData}: start Cleave there once, or run npm run db:migrate, first.`, 1);
// Unreachable or refusing: one line naming why, not a stack trace. A PostgreSQL database without a chosen module's
// schema is refused before opening it provisions the module's role and schema there.
await requireModuleSchemas(config, chosen).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error), 1));
const databases = await openModuleDatabases(config, chosen, createLogger({ ...config.log, level: 'warn' })).catch((error: unknown) =>
  fail(error instanceof Error ? error.message : String(error), 1),
);
try {
  const box = createSecretBox(kek);
  for (const m of chosen) {
    const db = databases.of(m.name).db;
    if ((await pendingMigrations(db, m.name, readMigrations(m.migrations))) > 0) fail(`${m.name} has pending migrations: run npm run db:migrate first.`, 1);
    const { dataKeys } = dataKeyTables(m.name);
    const before = await dataKeysByKek(db, dataKeys);
    const pending = Object.entries(before).reduce((n, [id, count]) => (id === current ? n : n + count), 0);
    say(`${m.name}: ${pending} data keys to rewrap under ${current} (${JSON.stringify(before)})`);
    if (args['dry-run']) continue;
    const { rewrapped } = await rewrapDataKeys({
      db,
      table: dataKeys,
      box,
      currentKekId: current,
      batchSize,
      pauseMs,
      onBatch: (p) => say(`${m.name}: batch ${p.batch}, ${p.rewrapped} rewrapped`),
    });
    say(`${m.name}: done, ${rewrapped} rewrapped; now ${JSON.stringify(await dataKeysByKek(db, dataKeys))}`);
    // Keys listed under the current id were skipped, not opened: a wrong key given for that id passes the rewrap.
    const unopenable = await unopenableDataKeys(db, dataKeys, box);
    if (Object.keys(unopenable).length > 0)
      fail(
        `${m.name}: ${Object.entries(unopenable)
          .map(([id, n]) => `${n} data key(s) under "${id}"`)
          .join(
            ', ',
          )} do not open with DATA_KEK: the key given for that id is not the one they were wrapped with. Remove no key from DATA_KEK; correct it and run again.`,
        1,
      );
    say(`${m.name}: every data key opens with ${current}`);
  }
} catch (error) {
  fail(error instanceof Error ? error.message : String(error), 1);
} finally {
  await databases.close();
}
