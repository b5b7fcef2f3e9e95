/**
 * @module scaffold
 * `npm run new:module -- <name> [--entity <thing>]`: creates `modules/<name>/` with the standard anatomy (contract,
 * domain, application, infrastructure, tests), its first migration in `migrations/<name>/`, and registers it in
 * `apps/modules.ts`. Exit 2 (nothing written) on a name that is invalid, reserved or taken.
 */
import process from 'node:process';
import { ignoreClosedOutput } from '../../platform/cli/index.ts';
import { runCli } from './cli.ts';

ignoreClosedOutput();

process.exitCode = runCli(
  process.argv.slice(2),
  { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) },
  { root: process.cwd() },
);
