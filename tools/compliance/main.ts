/**
 * @module compliance
 * `npm run compliance [-- --markdown docs/compliance.md] [--json docs/compliance.json] [--check]`: which modules hold
 * personal or sensitive data, where, how protected, for how long and on what basis, and where copies travel. Exit 1
 * when stale (--check) or a table is unclassified, 2 on bad usage.
 */
import process from 'node:process';
import { ignoreClosedOutput } from '../../platform/cli/index.ts';
import { loadModules } from '../../apps/load-modules.ts';
import { runCli } from './cli.ts';
import { migratedTables } from './schema-tables.ts';

ignoreClosedOutput();
const modules = await loadModules('compliance');

process.exitCode = await runCli(
  process.argv.slice(2),
  { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) },
  modules,
  migratedTables,
);
