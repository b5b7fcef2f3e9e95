/** `npm run db:migrate`: applies every hosted module's pending migrations and exits. */
import process from 'node:process';
import { loadConfigOrExit } from '../../platform/config/index.ts';
import { migrateModules } from '../../platform/host/index.ts';
import { modules } from '../modules.ts';

// It takes none: a flag meant for another command must not pass unnoticed while this one changes the database.
if (process.argv.length > 2) {
  process.stderr.write(`db:migrate: takes no arguments, got ${process.argv.slice(2).join(' ')}\nusage: npm run db:migrate\n`);
  process.exit(2);
}

await migrateModules(loadConfigOrExit(), modules).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
