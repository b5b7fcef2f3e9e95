import type { Redis } from 'ioredis';
import type { Logger } from '../observability/index.ts';

/** One durable subscription: a consumer of one version of one event, and how its module's queue is laid out. */
export interface SubscriptionEntry {
  /** Event name, e.g. `catalog.product-created`. */
  event: string;
  version: number;
  /** `<module>:<handler>`. */
  consumer: string;
  module: string;
  /** Partitions of the consuming module's queue: events go to partition `hash(key) % partitions`. */
  partitions: number;
  /** How long the consumer remembers handled events; redrive and replay refuse to reach further back. */
  inboxRetentionMs: number;
  registeredAt: string;
  /**
   * When the table this subscription first went into was created (ms since the epoch), kept when hosts register it
   * again. A producer that dispatched events before then knows Redis lost the table: `registeredAt` then says only when
   * a host registered the subscription again, not since when it was owed events.
   */
  tableCreatedAt?: number;
}

/** Routing was asked of a subscription table that Redis does not have (never written, or lost with Redis's data). */
export class RoutingPausedError extends Error {
  override readonly name = 'RoutingPausedError';
}

export interface SubscriptionTableOptions {
  redis: Redis;
  /** Keys live under `<prefix>:subscriptions`. */
  prefix: string;
  log: Logger;
  /** How long a read of the table is reused before routing reads it again. */
  refreshMs: number;
  /**
   * Called on each read of the table, before it routes anything, with the subscriptions this process had not seen in
   * its previous read (often none) and when the read began: what was routed with the previous read may have missed them.
   */
  onRead?: (added: readonly SubscriptionEntry[], readAt: number) => Promise<void>;
  /**
   * Called once per loss when this process finds that Redis lost the table it knew (a read finds another table, or
   * none; or registering again after a reconnect had to create it): whatever Redis held then is gone with it.
   */
  onLost?: () => void;
}

/**
 * The system's subscriptions, kept in Redis as data rather than derived from any one process's build: a consuming host
 * registers its module's subscriptions when it starts and again whenever its connection comes back, and they stay
 * (no TTL) until an operator removes them. Publishers route by this table, so a consumer deployed after the publisher
 * gets its events, and events published while it is down wait in its queue.
 *
 * The epoch key marks a table that exists. Its absence means Redis lost the table (or nobody registered yet): routing
 * pauses (publishing rejects, so events wait in the outbox) rather than marking events dispatched to nobody. A process
 * that saw the table before re-asserts what it knew, and every consuming host re-registers on reconnect.
 */
export interface SubscriptionTable {
  /**
   * Keeps entries (this host's consumers) to register on every reconnect, without writing them now: a host that starts
   * while Redis is away registers them as soon as it connects.
   */
  remember(entries: readonly SubscriptionEntry[]): void;
  /** Registers entries now (remembering them as {@link remember} does). */
  register(entries: readonly SubscriptionEntry[]): Promise<void>;
  /** The subscriptions of one event version; rejects with {@link RoutingPausedError} while the table is missing. */
  routes(event: string, version: number): Promise<readonly SubscriptionEntry[]>;
  /** The modules with at least one subscription in the table (a host of theirs has registered), as routing sees it. */
  modules(): Promise<ReadonlySet<string>>;
  list(): Promise<SubscriptionEntry[]>;
  /** An operator's removal of one subscription (after its consumer is gone for good). */
  remove(event: string, version: number, consumer: string): Promise<boolean>;
  /** When this process's subscription was first registered (ms since the epoch), once it is. */
  registeredAt(event: string, version: number, consumer: string): number | undefined;
  /** Reads the table again if this process's copy is older than `refreshMs`, or now when `force` (see `onRead`). */
  refresh(force?: boolean): Promise<void>;
  /** Whether routing is paused, and why. */
  readonly paused: string | undefined;
}

const field = (e: { event: string; version: number; consumer: string }) => `${e.event}@v${e.version} ${e.consumer}`;

// Writes entries and marks the table as existing (the epoch key holds when it was created). A subscription keeps the
// time it was first registered (the audit owes it only events dispatched after that) and the creation time of the
// first table it went into (the earliest a host remembers); `merge` takes the other fields from the new entry (its
// host registering again), `fill` keeps an existing entry's (a process restoring what it remembered).
const registerScript = `
local mode = ARGV[2]
redis.call('SET', KEYS[2], ARGV[1], 'NX')
local created = tonumber(redis.call('GET', KEYS[2]))
for i = 3, #ARGV, 2 do
  local field, new = ARGV[i], cjson.decode(ARGV[i + 1])
  local firstTable = new.tableCreatedAt or created
  local existing = redis.call('HGET', KEYS[1], field)
  if existing then
    local old = cjson.decode(existing)
    local first = old.registeredAt
    if new.registeredAt < first then first = new.registeredAt end
    if (old.tableCreatedAt or created) < firstTable then firstTable = old.tableCreatedAt or created end
    if mode == 'fill' then new = old end
    new.registeredAt = first
  end
  new.tableCreatedAt = firstTable
  redis.call('HSET', KEYS[1], field, cjson.encode(new))
end
return redis.call('GET', KEYS[2])`;

export function createSubscriptionTable(options: SubscriptionTableOptions): SubscriptionTable {
  const { redis, log } = options;
  const tableKey = `${options.prefix}:subscriptions`;
  const epochKey = `${options.prefix}:subscriptions:epoch`;
  const own = new Map<string, SubscriptionEntry>();
  let cache: { at: number; epoch: string; entries: Map<string, SubscriptionEntry>; modules?: Set<string> | undefined } | undefined;
  let loading: Promise<Map<string, SubscriptionEntry>> | undefined;
  /** The subscriptions of the last read that routed (kept when `list` drops the cache), to tell what a read adds. */
  let seen = new Set<string>();
  let paused: string | undefined;
  /** The table this process last wrote to or read (its epoch), and the last epoch it reported lost. */
  let knownEpoch: string | undefined;
  let reportedLost: string | undefined;

  /** Redis lost `lost` (an epoch this process knew): reported once, however many ways the process notices. */
  function lostTable(lost: string): void {
    if (reportedLost === lost) return;
    reportedLost = lost;
    log.error(
      { runbook: 'docs/operations/event-delivery.md#redis-lost-data-restart-without-persistence-failover-eviction' },
      'Redis lost the event subscription table (restarted empty, flushed, or failed over): the jobs it held for consumers may be lost; audit and redrive',
    );
    options.onLost?.();
  }

  /** Writes `entries`; the epoch of the table they went into (created by this write when there was none). */
  async function write(entries: Iterable<SubscriptionEntry>, mode: 'merge' | 'fill'): Promise<string> {
    const args = [...entries].flatMap((e) => [field(e), JSON.stringify(e)]);
    return String(await redis.eval(registerScript, 2, tableKey, epochKey, String(Date.now()), mode, ...args));
  }

  /** Notes the table a write went into: another than the one this process knew means that one was lost. */
  function wrote(epoch: string): void {
    if (knownEpoch !== undefined && knownEpoch !== epoch) lostTable(knownEpoch);
    knownEpoch = epoch;
  }

  async function load(): Promise<Map<string, SubscriptionEntry>> {
    const readAt = Date.now();
    let [epoch, raw] = await Promise.all([redis.get(epochKey), redis.hgetall(tableKey)]);
    if (cache && epoch !== cache.epoch) {
      // The table was lost (and perhaps started again by someone who knew less): put back what this process knew.
      lostTable(cache.epoch);
      log.info({ known: cache.entries.size }, 'restoring the event subscriptions this process knew');
      wrote(await write([...cache.entries.values(), ...own.values()], 'fill'));
      [epoch, raw] = await Promise.all([redis.get(epochKey), redis.hgetall(tableKey)]);
    }
    if (epoch === null) {
      if (!paused) log.error('event routing paused: Redis has no subscription table (lost, or no consuming host has registered yet)');
      paused = 'Redis has no event subscription table; events wait in the outbox until a consuming host registers';
      cache = undefined;
      throw new RoutingPausedError(paused);
    }
    if (paused) log.info('event routing resumed: the subscription table is back');
    paused = undefined;
    knownEpoch = epoch;
    const entries = new Map(Object.entries(raw).map(([k, v]) => [k, JSON.parse(v) as SubscriptionEntry]));
    const added = [...entries].filter(([k]) => !seen.has(k)).map(([, e]) => e);
    if (options.onRead) await options.onRead(added, readAt);
    seen = new Set(entries.keys());
    cache = { at: Date.now(), epoch, entries };
    return entries;
  }

  async function current(): Promise<Map<string, SubscriptionEntry>> {
    // A table older than `refreshMs` is read again before it routes: routing with it while a fresh one loads in the
    // background made its age unbounded (as old as the last publish), so an event published after a quiet spell
    // missed a subscription registered seconds before, and was marked dispatched. Consumers rely on that bound
    // (`routingDelayMs`). Publishers wait for one read of the table at most every `refreshMs`.
    if (cache && Date.now() - cache.at < options.refreshMs) return cache.entries;
    return (loading ??= load().finally(() => (loading = undefined)));
  }

  // Re-register on every reconnect: Redis may have come back without its data.
  redis.on('ready', () => {
    if (own.size === 0) return;
    write(own.values(), 'merge').then(
      (epoch) => {
        wrote(epoch);
        log.info({ subscriptions: own.size }, 'event subscriptions registered again after reconnecting');
      },
      (error: unknown) => log.warn({ err: error }, 'registering event subscriptions failed; will retry on the next reconnect'),
    );
  });

  const remember = (entries: readonly SubscriptionEntry[]) => {
    for (const e of entries) own.set(field(e), e);
  };

  return {
    remember,
    async register(entries) {
      if (entries.length === 0) return;
      remember(entries);
      wrote(await write(entries, 'merge'));
      // Keep what Redis now holds (the first registration time), so a later re-registration carries it.
      const stored = await redis.hmget(tableKey, ...entries.map(field));
      for (const json of stored) {
        if (json === null) continue;
        const e = JSON.parse(json) as SubscriptionEntry;
        own.set(field(e), e);
        cache?.entries.set(field(e), e);
      }
      if (cache) cache.modules = undefined;
    },
    async routes(event, version) {
      const entries = await current();
      return [...entries.values()].filter((e) => e.event === event && e.version === version);
    },
    async modules() {
      const entries = await current();
      if (cache?.entries !== entries) return new Set([...entries.values()].map((e) => e.module));
      return (cache.modules ??= new Set([...entries.values()].map((e) => e.module)));
    },
    async list() {
      cache = undefined;
      return [...(await current()).values()].sort((a, b) => field(a).localeCompare(field(b)));
    },
    async remove(event, version, consumer) {
      const key = field({ event, version, consumer });
      own.delete(key);
      cache?.entries.delete(key);
      if (cache) cache.modules = undefined;
      return (await redis.hdel(tableKey, key)) > 0;
    },
    registeredAt(event, version, consumer) {
      const entry = own.get(field({ event, version, consumer }));
      return entry ? Date.parse(entry.registeredAt) : undefined;
    },
    async refresh(force = false) {
      if (force) cache = undefined;
      await current();
    },
    get paused() {
      return paused;
    },
  };
}
