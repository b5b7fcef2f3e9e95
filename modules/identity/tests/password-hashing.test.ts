import { describe, expect, it } from 'vitest';
import { hashingLoad, hashPassword, maxConcurrentHashes, verifyPassword } from '../infrastructure/passwords.ts';

describe('password hashing', () => {
  it('runs at most a few memory-hard hashes at once; the rest wait their turn and all complete', async () => {
    const cost = { N: 1024, r: 8, p: 1 };
    const hashes = Array.from({ length: 6 }, (_, i) => hashPassword(`secret ${i}`, cost));
    expect(hashingLoad()).toEqual({ running: maxConcurrentHashes, waiting: 6 - maxConcurrentHashes });
    const done = await Promise.all(hashes);
    expect(hashingLoad()).toEqual({ running: 0, waiting: 0 });
    expect(await Promise.all(done.map((hash, i) => verifyPassword(`secret ${i}`, hash)))).toEqual(done.map(() => true));
    expect(await verifyPassword('secret 0', done[1] as string)).toBe(false);
  });
});
