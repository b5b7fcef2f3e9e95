import { describe, expect, it } from 'vitest';
import { eventJobId, partitionOf } from './partitions.ts';

describe('partitionOf', () => {
  it('sends one key to one partition, every time', () => {
    for (const key of ['a', 'order-1', '0190a6c4-7f43-7a4e-9d7b-3c8f1f0e2a11', 'ü∑']) expect(partitionOf(key, 8)).toBe(partitionOf(key, 8));
  });

  it('spreads keys over every partition', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOf(`key-${i}`, 8)]! += 1;
    for (const n of counts) expect(n).toBeGreaterThan(700);
  });

  it('matches FNV-1a 32-bit (known vectors), so other runtimes can compute it too', () => {
    // FNV-1a("a") = 0xe40c292c, FNV-1a("foobar") = 0xbf9cf968.
    expect(partitionOf('a', 2 ** 32 - 1)).toBe(0xe40c292c % (2 ** 32 - 1));
    expect(partitionOf('foobar', 1000)).toBe(0xbf9cf968 % 1000);
  });
});

describe('eventJobId', () => {
  it('has no colon, and each version of an event gets its own job', () => {
    expect(eventJobId('e1', 'inventory:create-stock-item', 1)).toBe('e1.inventory.create-stock-item.v1');
    expect(eventJobId('e1', 'inventory:create-stock-item', 2)).not.toBe(eventJobId('e1', 'inventory:create-stock-item', 1));
  });
});
