import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsumerContract } from '../../platform/contracts/consumer-contract.ts';
import { recordConsumerContract, RecordFileError, recordFileName, renderRecord, type ConsumerContractRecord } from './record.ts';
import { verifyConsumerContract, type ConsumerContractFinding } from './verify.ts';

/** Where consumer contracts are committed: `contracts/consumers/` at the root of the repository. */
export const consumerContractsDir = fileURLToPath(new URL('../../contracts/consumers/', import.meta.url));

/** A file as `npm run contracts:consumers` writes it. */
export interface PlannedFile {
  name: string;
  text: string;
  record: ConsumerContractRecord;
  contract: ConsumerContract;
}

/** The files the declarations in code make, by file name. Throws if two declarations share a consumer and provider. */
export function plannedFiles(contracts: readonly ConsumerContract[]): Map<string, PlannedFile> {
  const files = new Map<string, PlannedFile>();
  for (const contract of contracts) {
    const record = recordConsumerContract(contract);
    const name = recordFileName(record);
    if (files.has(name)) throw new Error(`${record.consumer} declares two consumer contracts with ${record.provider}; merge them.`);
    files.set(name, { name, text: renderRecord(record), record, contract });
  }
  return files;
}

/** The committed files (`*.json`) in `dir`, by name, with their text. Throws a RecordFileError naming one it cannot read. */
export function committedFiles(dir: string): Map<string, string> {
  if (!existsSync(dir)) return new Map();
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort();
  return new Map(
    names.map((n) => {
      try {
        return [n, readFileSync(join(dir, n), 'utf8')];
      } catch (error) {
        const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
        throw new RecordFileError(`${join(dir, n)} cannot be read as a consumer contract (${reason}); remove it and run npm run contracts:consumers`);
      }
    }),
  );
}

/** How the committed files differ from the planned ones: files out of date, not yet written, or no longer declared. */
export function driftOf(
  planned: ReadonlyMap<string, PlannedFile>,
  committed: ReadonlyMap<string, string>,
): { stale: string[]; missing: string[]; extra: string[] } {
  const names = [...planned.keys()];
  return {
    stale: names.filter((n) => committed.has(n) && committed.get(n) !== planned.get(n)?.text),
    missing: names.filter((n) => !committed.has(n)),
    extra: [...committed.keys()].filter((n) => !planned.has(n)),
  };
}

/**
 * What rewriting a committed contract would silently accept: the fields and operations the consumer still declares,
 * checked as previously recorded against the provider as it is now. A provider that changed a type a consumer reads
 * shows up here, so regenerating cannot paper over the break.
 */
export function breakingRewrites(previous: ConsumerContractRecord, next: PlannedFile): ConsumerContractFinding[] {
  const kept = <F extends { path: string }>(old: readonly F[], now: readonly { path: string }[]) => old.filter((f) => now.some((n) => n.path === f.path));
  const operations = previous.operations.flatMap((op) => {
    const now = next.record.operations.find((o) => o.operation === op.operation);
    return now ? [{ ...op, sends: kept(op.sends, now.sends), reads: kept(op.reads, now.reads) }] : [];
  });
  const events = previous.events.flatMap((e) => {
    const now = next.record.events.find((n) => n.event === e.event && n.version === e.version);
    return now ? [{ ...e, reads: kept(e.reads, now.reads) }] : [];
  });
  return verifyConsumerContract({ ...previous, operations, events }, next.contract.provider);
}
