/** The monolith: every module (or those in `MODULES`) in one process. Wiring only. */
import process from 'node:process';
import { loadConfigOrExit } from '../../platform/config/index.ts';
import { runHost } from '../../platform/host/index.ts';
import { modules } from '../modules.ts';

await runHost(loadConfigOrExit(), modules).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
