import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import process from 'node:process';
import { parseArgsOnce } from '../../platform/cli/index.ts';
import type { ConsumerContract } from '../../platform/contracts/consumer-contract.ts';
import { breakingRewrites, committedFiles, consumerContractsDir, driftOf, plannedFiles } from './files.ts';
import { parseRecord, RecordFileError } from './record.ts';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE = `usage: npm run contracts:consumers -- [--check] [--accept-breaking]
  --check            write nothing; exit 1 if contracts/consumers/ differs from what the code declares
  --accept-breaking  rewrite a contract even though the provider changed something its consumer relied on`;

/**
 * Records every declared consumer contract into `dir` (one `<consumer>--<provider>.json` each, deterministic) and
 * removes files no declaration makes any more. Returns the exit code: 0 written or up to date, 1 out of date
 * (`--check`), refused because a rewrite would accept a provider's breaking change, or a committed file that is not a
 * consumer contract (`{garbage`, a folder named `x.json`), 2 bad usage.
 *
 * @example process.exitCode = runCli(process.argv.slice(2), io, declaredConsumerContracts);
 */
export function runCli(args: readonly string[], io: CliIo, contracts: readonly ConsumerContract[], dir = consumerContractsDir): number {
  try {
    return run(args, io, contracts, dir);
  } catch (error) {
    if (!(error instanceof RecordFileError)) throw error;
    io.err(`contracts:consumers: ${error.message}`);
    return 1;
  }
}

function run(args: readonly string[], io: CliIo, contracts: readonly ConsumerContract[], dir: string): number {
  let values: { check?: boolean | undefined; 'accept-breaking'?: boolean | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgsOnce({
      args: [...args],
      options: { check: { type: 'boolean' }, 'accept-breaking': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (error) {
    io.err(`contracts:consumers: ${error instanceof Error ? error.message : String(error)}`);
    io.err(USAGE);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const shown = relative(process.cwd(), dir) || '.';
  const planned = plannedFiles(contracts);
  const committed = committedFiles(dir);
  const drift = driftOf(planned, committed);
  const changed = [...drift.stale, ...drift.missing];

  if (values.check) {
    for (const name of changed)
      io.err(
        `contracts:consumers: ${join(shown, name)} is out of date (the consumer's declaration or the provider's contract changed); run npm run contracts:consumers`,
      );
    for (const name of drift.extra) io.err(`contracts:consumers: ${join(shown, name)} matches no declared consumer contract; run npm run contracts:consumers`);
    if (changed.length + drift.extra.length === 0) io.out(`contracts:consumers: ${shown} is up to date (${planned.size} contracts)`);
    return changed.length + drift.extra.length === 0 ? 0 : 1;
  }

  const breaking = drift.stale.flatMap((name) => {
    const file = planned.get(name);
    return file ? breakingRewrites(parseRecord(committed.get(name) ?? '', join(shown, name)), file) : [];
  });
  if (breaking.length > 0 && !values['accept-breaking']) {
    for (const finding of breaking) io.err(`contracts:consumers: ${finding.message}`);
    io.err('contracts:consumers: nothing written. Fix the provider, or, once the consumer copes with the change, rerun with --accept-breaking.');
    return 1;
  }
  mkdirSync(dir, { recursive: true });
  for (const name of changed) {
    writeFileSync(join(dir, name), planned.get(name)?.text ?? '');
    io.out(`contracts:consumers: wrote ${join(shown, name)}`);
  }
  for (const name of drift.extra) {
    rmSync(join(dir, name));
    io.out(`contracts:consumers: removed ${join(shown, name)}`);
  }
  if (changed.length + drift.extra.length === 0) io.out(`contracts:consumers: ${shown} is up to date (${planned.size} contracts)`);
  return 0;
}
