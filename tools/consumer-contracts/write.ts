/**
 * @module consumer-contracts
 * `npm run contracts:consumers [-- --check] [--accept-breaking]`: records what each module declares it uses of
 * another (modules/<m>/contract/consumes.ts) into contracts/consumers/<consumer>--<provider>.json. The provider's
 * tests verify those files against its current contract. Exit 1 out of date or refused, 2 bad usage.
 */
import process from 'node:process';
import { ignoreClosedOutput } from '../../platform/cli/index.ts';
import { runCli } from './cli.ts';
import { declaredConsumerContracts } from './declared.ts';

ignoreClosedOutput();

process.exitCode = runCli(
  process.argv.slice(2),
  { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) },
  declaredConsumerContracts,
);
