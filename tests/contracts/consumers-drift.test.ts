import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConsumerContract } from '../../platform/contracts/consumer-contract.ts';
import { runCli } from '../../tools/consumer-contracts/cli.ts';
import { declaredConsumerContracts } from '../../tools/consumer-contracts/declared.ts';
import { committedFiles, consumerContractsDir, driftOf, plannedFiles } from '../../tools/consumer-contracts/files.ts';
import { parseRecord } from '../../tools/consumer-contracts/record.ts';
import { tempDir } from '../support/temp-dir.ts';

function run(args: string[], dir: string, contracts: readonly ConsumerContract[] = declaredConsumerContracts) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, contracts, dir);
  return { code, out, err };
}


describe('committed consumer contracts match the declarations in code', () => {
  it('contracts/consumers/ is what npm run contracts:consumers writes', () => {
    const drift = driftOf(plannedFiles(declaredConsumerContracts), committedFiles(consumerContractsDir));
    const problems = [
      ...[...drift.stale, ...drift.missing].map((n) => `contracts/consumers/${n} is out of date (the consumer's declaration or the provider's contract changed); run npm run contracts:consumers`),
      ...drift.extra.map((n) => `contracts/consumers/${n} matches no declared consumer contract; run npm run contracts:consumers`),
    ];
    expect(problems).toEqual([]);
  });

  it('writing twice gives the same bytes', () => {
    const dir = tempDir('consumer-contracts');
    expect(run([], dir).code).toBe(0);
    const first = readFileSync(join(dir, 'inventory--catalog.json'), 'utf8');
    expect(run([], dir).out).toEqual([expect.stringMatching(new RegExp(`is up to date \\(${declaredConsumerContracts.length} contracts\\)$`))]);
    expect(readFileSync(join(dir, 'inventory--catalog.json'), 'utf8')).toBe(first);
  });
});

describe('npm run contracts:consumers', () => {
  it('--check fails naming a file that differs from the declaration, and writing fixes it', () => {
    const dir = tempDir('consumer-contracts');
    run([], dir);
    const file = join(dir, 'inventory--catalog.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('{"path":"sku","type":["string"]},\n', ''));
    const check = run(['--check'], dir);
    expect(check.code).toBe(1);
    expect(check.err[0]).toMatch(/inventory--catalog\.json is out of date \(the consumer's declaration or the provider's contract changed\); run npm run contracts:consumers$/);
    expect(run([], dir).code).toBe(0);
    expect(run(['--check'], dir).code).toBe(0);
  });

  it('removes the file of a consumer contract no longer declared', () => {
    const dir = tempDir('consumer-contracts');
    writeFileSync(join(dir, 'billing--catalog.json'), '{}\n');
    const written = run([], dir);
    expect(written.out).toContainEqual(expect.stringMatching(/^contracts:consumers: removed .*billing--catalog\.json$/));
    expect(existsSync(join(dir, 'billing--catalog.json'))).toBe(false);
  });

  it('refuses to rewrite a contract over a provider change its consumer relied on, unless told to accept it', () => {
    const dir = tempDir('consumer-contracts');
    run([], dir);
    const file = join(dir, 'inventory--catalog.json');
    // As if catalog used to return sku as an integer: the rewrite would silently accept that it is now a string.
    const before = readFileSync(file, 'utf8').replace('{"path":"sku","type":["string"]}', '{"path":"sku","type":["integer"]}');
    writeFileSync(file, before);
    const refused = run([], dir);
    expect(refused.code).toBe(1);
    expect(refused.err[0]).toBe('contracts:consumers: inventory needs catalog.getProduct response field "sku" as integer; the provider now returns string');
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(run(['--accept-breaking'], dir).code).toBe(0);
    expect(run(['--check'], dir).code).toBe(0);
  });

  it('a committed file that is not a consumer contract is refused, naming it', () => {
    expect(() => parseRecord('{"consumer":"billing","provider":"catalog","operations":[{"operation":"getProduct"}],"events":[]}', 'billing--catalog.json')).toThrow(
      'billing--catalog.json is not a consumer contract',
    );
  });

  it.each([
    ['{garbage', /is not a consumer contract: not JSON/],
    ['{}', /is not a consumer contract: consumer: .*; provider: /],
    [undefined, /cannot be read as a consumer contract \(EISDIR\)/],
  ])('a committed %j in place of a contract exits 1 with one line naming it', (text, message) => {
    const dir = tempDir('consumer-contracts');
    expect(run([], dir).code).toBe(0);
    const name = [...committedFiles(dir).keys()][0] ?? '';
    rmSync(join(dir, name));
    if (text === undefined) mkdirSync(join(dir, name));
    else writeFileSync(join(dir, name), text);
    const result = run([], dir);
    expect(result.code).toBe(1);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toContain(name);
    expect(result.err[0]).toMatch(message);
  });

  it('bad usage exits 2 with the usage', () => {
    const bad = run(['--nope'], tempDir('consumer-contracts'));
    expect(bad.code).toBe(2);
    expect(bad.err[1]).toMatch(/^usage: npm run contracts:consumers/);
  });
});
