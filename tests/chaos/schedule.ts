import type { Random } from './random.ts';
import type { Member, Target } from './topology.ts';

/** One SIGKILL of the schedule. */
export interface Kill {
  target: string;
  /** Milliseconds since the load started. */
  at: number;
  /** How long it stayed down before its restart began. */
  downMs: number;
}

/** How often each target is killed (pause before each kill) and how long it stays down, in milliseconds. */
export interface KillPace {
  gap: readonly [number, number];
  down: readonly [number, number];
}

export const paces: Record<Target, KillPace> = {
  'inventory-a': { gap: [5_000, 15_000], down: [500, 3_000] },
  'inventory-b': { gap: [5_000, 15_000], down: [500, 3_000] },
  probe: { gap: [5_000, 15_000], down: [500, 3_000] },
  monolith: { gap: [7_000, 18_000], down: [500, 3_000] },
  redis: { gap: [8_000, 20_000], down: [500, 3_000] },
};

export interface KillLoop {
  /** Stops killing; resolves once the target is up again. */
  stop(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

/**
 * Kills one target again and again, each time after a random pause, and restarts it after a random time down. The
 * pauses come from `random` (a stream of the run's seed for this target), so a seed replays the same pattern; where
 * the kills land among the events still depends on the machine's speed.
 */
export function startKillLoop(member: Member, random: Random, pace: KillPace, startedAt: number, record: (kill: Kill) => void): KillLoop {
  const stopping = new AbortController();
  const loop = (async () => {
    for (;;) {
      await sleep(random.between(...pace.gap), stopping.signal);
      if (stopping.signal.aborted) break;
      const downMs = random.between(...pace.down);
      record({ target: member.name, at: Date.now() - startedAt, downMs });
      await member.kill();
      await new Promise((r) => setTimeout(r, downMs));
      await member.start();
    }
  })();
  return {
    async stop() {
      stopping.abort();
      try {
        await loop;
      } finally {
        await member.start();
      }
    },
  };
}
