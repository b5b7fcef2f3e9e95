/** A host of the probe module (with catalog and identity, whose tokens protected routes need), for tests that run consumers in their own processes and kill them. */
import process from 'node:process';
import { catalogModule } from '../../../modules/catalog/index.ts';
import { identityModule } from '../../../modules/identity/index.ts';
import { loadConfigOrExit } from '../../../platform/config/index.ts';
import { runHost } from '../../../platform/host/index.ts';
import { probeModule } from './module.ts';

await runHost(loadConfigOrExit(), [catalogModule, identityModule, probeModule({ failuresLeft: 0, attempts: [] })]).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
