/**
 * @module client
 * `npm run client [-- --spec contracts/openapi/cleave.json] [--out clients/typescript] [--check]`: generates the typed
 * TypeScript client (openapi-typescript types, openapi-fetch client) from the merged OpenAPI document. Exit 2 on
 * bad usage. Clients for other languages come from the same document with standard generators (see README).
 */
import process from 'node:process';
import { ignoreClosedOutput } from '../../platform/cli/index.ts';
import { runCli } from './cli.ts';

ignoreClosedOutput();

process.exitCode = await runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
