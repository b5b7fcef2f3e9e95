/**
 * @module lint-boundaries
 * `npm run lint:boundaries [root]`: fails (exit 1) on any import or SQL that crosses a module boundary, one line per
 * finding with file, line and rule; exit 2 on bad usage. The rules are the table in rules.ts.
 */
import process from 'node:process';
import { ignoreClosedOutput } from '../../platform/cli/index.ts';
import { runCli } from './cli.ts';

ignoreClosedOutput();

process.exitCode = await runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
