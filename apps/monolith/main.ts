/** The monolith: every module (or those in `MODULES`) in one process. Wiring only. */
import { loadConfigOrExit } from '../../platform/config/index.ts';
import { exitStartFailed, runHost } from '../../platform/host/index.ts';
import { modules } from '../modules.ts';

await runHost(loadConfigOrExit(), modules).catch(exitStartFailed);
