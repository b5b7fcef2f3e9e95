import { randomInt } from 'node:crypto';

/** A seeded source of randomness: the same seed gives the same sequence, so a failing schedule can be replayed. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** A whole number in [min, max]. */
  between(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** An independent stream for one part of the run (one kill loop), so parts do not shift each other's draws. */
  fork(label: string): Random;
}

/** The seed of this run: `CHAOS_SEED` when set (a replay), a fresh one otherwise. */
export function chaosSeed(fromEnv: string | undefined): number {
  if (fromEnv === undefined || fromEnv === '') return randomInt(1, 2 ** 31);
  const seed = Number(fromEnv);
  if (!Number.isSafeInteger(seed) || seed <= 0) throw new Error(`CHAOS_SEED must be a positive whole number, not "${fromEnv}"`);
  return seed;
}

/** mulberry32: small, fast and good enough to spread kills over a run. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    between: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T,
    fork(label) {
      let hash = seed >>> 0;
      for (const c of label) hash = Math.imul(hash ^ c.charCodeAt(0), 0x01000193) >>> 0;
      return seededRandom(hash || 1);
    },
  };
}
