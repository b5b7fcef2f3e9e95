/**
 * A host of the event-sourced test module `tally` (with identity, for the operator's token), so the event store and
 * the projection runner can be run as a separate process: on Deno by tests/workflows/event-sourcing-deno.test.ts.
 */
import process from 'node:process';
import { identityModule } from '../../../modules/identity/index.ts';
import { loadConfigOrExit } from '../../../platform/config/index.ts';
import { runHost } from '../../../platform/host/index.ts';
import { tallyModule } from '../tally/module.ts';

await runHost(loadConfigOrExit(), [tallyModule(), identityModule]).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
