import type { Redis } from 'ioredis';
import type { Logger } from '../observability/index.ts';
import { partitionOf } from './partitions.ts';

export interface PartitionOwnerOptions {
  redis: Redis;
  /** Keys live under `<prefix>:partitions:<module>`. */
  prefix: string;
  module: string;
  partitions: number;
  /** This process, among the module's replicas. */
  memberId: string;
  /** How long an ownership (and a membership) lasts without renewal; renewed every third of it. */
  leaseMs: number;
  log: Logger;
  /** This process now owns `partition`: start consuming it. */
  onAssign(partition: number): void;
  /** This process no longer owns `partition`: stop consuming it (finishing the job in hand). */
  onRevoke(partition: number): Promise<void>;
}

export interface PartitionOwner {
  module: string;
  /** The partitions this process owns now. */
  readonly owned: ReadonlySet<number>;
  stop(): Promise<void>;
}

// Renews the leases this member holds; returns, per partition, 1 if still ours.
const renewScript = `
local held = {}
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('PEXPIRE', KEYS[i], ARGV[2]); held[i] = 1 else held[i] = 0 end
end
return held`;
const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Shares a module's queue partitions among its replicas: each replica keeps a membership heartbeat and owns its share
 * (`partitions / replicas`, the remainder spread over the first members) of partitions through leases, so N replicas split the work, a new
 * replica takes partitions from the others, and a dead replica's partitions are taken over when its leases lapse.
 * Ownership only spreads the load: order within a partition is guaranteed by the queue itself (one active job per
 * partition), so two owners overlapping for a moment during a hand-over cannot reorder a key.
 */
export function ownPartitions(options: PartitionOwnerOptions): PartitionOwner {
  const { redis, log } = options;
  const base = `${options.prefix}:partitions:${options.module}`;
  const membersKey = `${base}:members`;
  const leaseKey = (p: number) => `${base}:${p}`;
  const owned = new Set<number>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let ticking: Promise<void> | undefined;

  async function tick(): Promise<void> {
    const now = Date.now();
    const mine = [...owned];
    const results =
      (await redis
        .multi()
        .zadd(membersKey, now, options.memberId)
        .zremrangebyscore(membersKey, '-inf', now - options.leaseMs)
        .zrange(membersKey, '0', '-1')
        .eval(renewScript, mine.length, ...mine.map(leaseKey), options.memberId, options.leaseMs)
        .exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0] as Error;
    const members = ((results[2]?.[1] ?? []) as string[]).sort();
    const held = (results[3]?.[1] ?? []) as number[];
    // Shares that add up to the partition count: the first `partitions % replicas` members (by id) take one more.
    const n = Math.max(1, members.length);
    const index = Math.max(0, members.indexOf(options.memberId));
    const share = Math.floor(options.partitions / n) + (index < options.partitions % n ? 1 : 0);
    for (const [i, p] of mine.entries()) {
      if (held[i] === 1) continue;
      // The lease lapsed (a pause, or Redis lost its data): keep consuming if nobody took the partition meanwhile.
      if ((await redis.set(leaseKey(p), options.memberId, 'PX', options.leaseMs, 'NX')) === 'OK') continue;
      owned.delete(p);
      log.warn({ module: options.module, partition: p }, 'lost ownership of an event partition to another replica');
      await options.onRevoke(p);
    }
    // Above the fair share (a replica joined): hand the highest partitions back.
    for (const p of [...owned].sort((a, b) => b - a).slice(0, Math.max(0, owned.size - share))) {
      owned.delete(p);
      await options.onRevoke(p);
      await redis.eval(releaseScript, 1, leaseKey(p), options.memberId);
    }
    // Below it: take free partitions, starting at a member-specific offset so replicas do not all race for the same.
    const offset = partitionOf(options.memberId, options.partitions);
    for (let i = 0; i < options.partitions && owned.size < share && !stopped; i++) {
      const p = (offset + i) % options.partitions;
      if (owned.has(p)) continue;
      if ((await redis.set(leaseKey(p), options.memberId, 'PX', options.leaseMs, 'NX')) !== 'OK') continue;
      owned.add(p);
      options.onAssign(p);
    }
  }

  const loop = () => {
    if (stopped) return;
    ticking = tick()
      .catch((err: unknown) => {
        // While Redis is away the connection says so once; a failed tick each time would only repeat it.
        if (redis.status === 'ready') log.warn({ err, module: options.module }, 'event partition ownership could not be renewed; retrying');
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, Math.max(50, Math.floor(options.leaseMs / 3)));
      });
  };
  loop();

  return {
    module: options.module,
    owned,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await ticking;
      const mine = [...owned];
      owned.clear();
      await Promise.all(mine.map((p) => options.onRevoke(p)));
      // Hand the partitions back at once rather than letting their leases lapse.
      if (redis.status === 'ready') {
        await Promise.all(mine.map((p) => redis.eval(releaseScript, 1, leaseKey(p), options.memberId))).catch(() => {});
        await redis.zrem(membersKey, options.memberId).catch(() => {});
      }
    },
  };
}
