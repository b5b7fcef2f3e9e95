import { describe, expect, it } from 'vitest';
import { canonicalJson, entryHash, genesisHash, type AuditRecord } from './chain.ts';

const entry: Omit<AuditRecord, 'hash'> = {
  seq: 1,
  at: '2026-11-30T12:00:00.000Z',
  actorUser: 'u1',
  actorModule: null,
  actorClient: 'web',
  action: 'inventory.stock-received',
  target: 'p1',
  outcome: 'success',
  requestId: 'r1',
  correlationId: 'c1',
  detail: { quantity: 3, nested: { b: 1, a: [1, { d: 2, c: 'ü' }] } },
  prevHash: genesisHash('inventory'),
};

describe('the audit chain', () => {
  it('serialises with keys sorted at every depth, whatever order they were written in', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: null, y: 'x' }], c: true } })).toBe('{"a":{"c":true,"d":[2,{"y":"x","z":null}]},"b":1}');
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
  });

  it('hashes the same entry the same way, and any change of any field (or of the previous hash) differently', () => {
    const hash = entryHash(entry);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(entryHash({ ...entry, detail: { nested: { a: [1, { c: 'ü', d: 2 }], b: 1 }, quantity: 3 } })).toBe(hash);
    const changes: Partial<Omit<AuditRecord, 'hash'>>[] = [
      { seq: 2 },
      { at: '2026-11-30T12:00:00.001Z' },
      { actorUser: null },
      { actorModule: 'catalog' },
      { actorClient: 'other' },
      { action: 'inventory.stock-receive' },
      { target: 'p2' },
      { outcome: 'failure' },
      { requestId: 'r2' },
      { correlationId: null },
      { detail: { quantity: 4, nested: entry.detail.nested } },
      { prevHash: genesisHash('catalog') },
    ];
    for (const change of changes) expect(entryHash({ ...entry, ...change }), JSON.stringify(change)).not.toBe(hash);
  });

  it('starts every module at its own genesis hash', () => {
    expect(genesisHash('inventory')).not.toBe(genesisHash('catalog'));
  });
});
