/** `npm run db:migrate`: applies every hosted module's pending migrations and exits. */
import process from 'node:process';
import { ignoreClosedOutput, parseCommandLine } from '../../platform/cli/index.ts';
import { loadConfigOrExit } from '../../platform/config/index.ts';
import { migrateModules } from '../../platform/host/index.ts';
import { modules } from '../modules.ts';

ignoreClosedOutput();

// It takes none: a flag meant for another command must not pass unnoticed while this one changes the database.
parseCommandLine({
  name: 'db:migrate',
  usage: `usage: npm run db:migrate
  applies the pending migrations of every module this configuration hosts (MODULES, DATABASE_URL…) and exits`,
  options: {},
});

await migrateModules(loadConfigOrExit(), modules).catch((error: unknown) => {
  process.stderr.write(`db:migrate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
