import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { Semaphore } from '../../../platform/resilience/index.ts';

/** OWASP's minimum for scrypt (N=2^17, r=8, p=1): about 128 MiB and a noticeable fraction of a second per hash. */
export const passwordCost = { N: 2 ** 17, r: 8, p: 1 } as const;

/**
 * Hashes computed at once in this process. Each takes 128 × N × r bytes (128 MiB at the default cost) for its
 * duration, so a burst of sign-ups or sign-ins must wait its turn rather than exhaust memory; the rest queue.
 */
export const maxConcurrentHashes = 2;

const hashing = new Semaphore(maxConcurrentHashes);

/** Hashes running and waiting, for tests and diagnostics. */
export function hashingLoad(): { running: number; waiting: number } {
  return { running: hashing.inFlight, waiting: hashing.queued };
}

async function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const slot = hashing.acquire();
  if (slot !== true) await slot;
  try {
    const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r };
    return await new Promise((resolve, reject) => scrypt(password.normalize('NFKC'), salt, 32, options, (e, key) => (e ? reject(e) : resolve(key))));
  } finally {
    hashing.release();
  }
}

/** A self-describing scrypt hash of `password`; the cost is stored so it can be raised later. */
export async function hashPassword(password: string, cost: { N: number; r: number; p: number } = passwordCost): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Whether `password` matches `stored`, compared in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A hash to compare against when the user does not exist, at the cost new hashes get, so a wrong username costs as
 * much time as a wrong password.
 */
export function decoyHash(cost: { N: number; r: number; p: number } = passwordCost): string {
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
}
