/** The monolith: every module (or those in `MODULES`) in one process. Wiring only. */
import { parseCommandLine } from '../../platform/cli/index.ts';
import { loadConfigOrExit, readEnvironment } from '../../platform/config/index.ts';
import { exitStartFailed, runHost } from '../../platform/host/index.ts';
import { modules } from '../modules.ts';
import { startUsage } from './start-usage.ts';

parseCommandLine({ name: 'start', usage: startUsage, options: {} });

await runHost(loadConfigOrExit(readEnvironment(), { knownModules: modules.map((m) => m.name) }), modules).catch(exitStartFailed);
