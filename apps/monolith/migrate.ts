/** `npm run db:migrate`: applies every hosted module's pending migrations and exits. */
import process from 'node:process';
import { loadConfigOrExit } from '../../platform/config/index.ts';
import { migrateModules } from '../../platform/host/index.ts';
import { modules } from '../modules.ts';

await migrateModules(loadConfigOrExit(), modules).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
