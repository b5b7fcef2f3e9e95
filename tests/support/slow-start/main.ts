/**
 * A host whose start-up holds the event loop for seconds: the `slowstart` module's last migration sleeps inside
 * PGlite (`pg_sleep`, synchronous in WebAssembly), as a long migration does. For tests of signals during start-up.
 */
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { identityModule } from '../../../modules/identity/index.ts';
import { loadConfigOrExit } from '../../../platform/config/index.ts';
import { defineContract } from '../../../platform/contracts/index.ts';
import { createRouter } from '../../../platform/http/index.ts';
import { defineModule, runHost } from '../../../platform/host/index.ts';

const slowStart = defineModule({
  name: 'slowstart',
  version: '0.0.0',
  owner: 'tests',
  costCentre: 'cc-test',
  description: 'Test module whose migration holds the event loop.',
  contract: defineContract('slowstart', { routes: {} }),
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  data: { effects: { classification: 'internal', retention: '30d' } },
  routes: () => createRouter(),
});

await runHost(loadConfigOrExit(), [identityModule, slowStart]).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
