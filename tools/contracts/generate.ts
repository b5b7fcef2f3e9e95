/**
 * `npm run openapi`: writes the contract files of every module from the code: OpenAPI 3.1 per module and merged
 * (`contracts/openapi/`), AsyncAPI 3.0 per module (`contracts/asyncapi/`). Files there that the code no longer
 * produces are removed. Commit the result; `npm run contracts:check` fails while the files and the code differ.
 * A failure is one line, exit 1, nothing written (its stack with `DEBUG=1`).
 */
import process from 'node:process';
import { ignoreClosedOutput, parseCommandLine, unexpectedError } from '../../platform/cli/index.ts';
import { loadModules } from '../../apps/load-modules.ts';
import { contractFiles } from './documents.ts';
import { repositoryRoot, writeContractFiles } from './files.ts';

ignoreClosedOutput();

parseCommandLine({
  name: 'openapi',
  usage: `usage: npm run openapi
  writes every module's OpenAPI and AsyncAPI documents from the code into contracts/ (takes no arguments)`,
  options: {},
});
const modules = await loadModules('openapi');

try {
  const files = contractFiles(modules);
  const { written, removed } = writeContractFiles(repositoryRoot, files);
  for (const path of written) process.stdout.write(`wrote    ${path}\n`);
  for (const path of removed) process.stdout.write(`removed  ${path}\n`);
  process.stdout.write(`${files.size} contract files: ${written.length} written, ${removed.length} removed, ${files.size - written.length} unchanged.\n`);
} catch (error) {
  // A module whose code throws while its documents are generated: one line naming it, exit 1 (the stack with DEBUG=1).
  process.stderr.write(unexpectedError('openapi', error));
  process.exit(1);
}
