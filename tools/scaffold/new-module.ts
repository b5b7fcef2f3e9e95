/**
 * @module scaffold
 * `npm run new:module -- <name> [--entity <thing>]`: creates `modules/<name>/` with the standard anatomy (contract,
 * domain, application, infrastructure, tests), its first migration in `migrations/<name>/`, and registers it in
 * `apps/modules.ts`, then regenerates what is made from the module list. Exit 2 (nothing written) on a name that is
 * invalid, reserved or taken; 1 when a regeneration step failed (the module's files kept, each step and its command named).
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
