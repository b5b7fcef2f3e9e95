import { describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import type { Contract } from '../../platform/contracts/index.ts';
import { committedFiles, consumerContractsDir } from '../../tools/consumer-contracts/files.ts';
import { parseRecord } from '../../tools/consumer-contracts/record.ts';
import { verifyConsumerContract } from '../../tools/consumer-contracts/verify.ts';

/**
 * Provider verification: every consumer contract committed under contracts/consumers/ holds against the provider's
 * contract as it is in this tree. A provider change that breaks a consumer fails here, naming consumer, provider,
 * operation or event, and field.
 */
const committed = [...committedFiles(consumerContractsDir)];
const providers = new Map<string, Contract>(modules.map((m) => [m.name, m.contract]));

describe('consumer contracts hold against their providers', () => {
  it('there are consumer contracts to verify', () => {
    expect(committed.length).toBeGreaterThan(0);
  });

  it.each(committed)('%s', (name, text) => {
    const record = parseRecord(text, name);
    const provider = providers.get(record.provider);
    if (!provider) throw new Error(`${name}: ${record.consumer} relies on ${record.provider}, which is not a module of this application.`);
    expect(verifyConsumerContract(record, provider).map((f) => f.message)).toEqual([]);
  });
});
