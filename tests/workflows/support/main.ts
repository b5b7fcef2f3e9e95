/**
 * A host of the saga test modules, for the crash tests: the orchestrating process runs trips and rooms (MODULES), the
 * participant process payments and identity. `SAGA_KILL_AT` names a point (`invoked:charge-card`, …): the process
 * SIGKILLs itself the first time any saga passes it, after saying so on stderr.
 */
import { writeSync } from 'node:fs';
import process from 'node:process';
import { identityModule } from '../../../modules/identity/index.ts';
import { loadConfigOrExit } from '../../../platform/config/index.ts';
import { runHost } from '../../../platform/host/index.ts';
import { counterModule } from './counter-module.ts';
import { tripsModule } from './trips-module.ts';

const killAt = process.env.SAGA_KILL_AT;
const onPoint = (point: string) => {
  if (point !== killAt) return;
  writeSync(2, `saga-kill-point ${point}\n`);
  process.kill(process.pid, 'SIGKILL');
};

const modules = [tripsModule({ onPoint }), counterModule('rooms', 'trips', { onPoint }), counterModule('payments', 'trips', { onPoint }), identityModule];
await runHost(loadConfigOrExit(), modules).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
