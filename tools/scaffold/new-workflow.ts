/**
 * @module scaffold/new-workflow
 * `npm run new:workflow -- <aggregate|projection|saga> <module> <name> [--from <aggregate>]`: adds an event-sourced
 * aggregate, a projection or a saga to an existing module, with its test, and lists it in the module's
 * `defineModule`. Exit 2 (nothing written) on bad usage, an unknown module or a taken name.
 */
import process from 'node:process';
import { ignoreClosedOutput } from '../../platform/cli/index.ts';
import { runWorkflowCli } from './workflow/cli.ts';

ignoreClosedOutput();

process.exitCode = await runWorkflowCli(
  process.argv.slice(2),
  { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) },
  process.cwd(),
);
