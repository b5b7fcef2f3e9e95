import { Redis } from 'ioredis';
import { guardedStreams } from '../events/redis-stream-guard.ts';
import type { Logger } from '../observability/index.ts';

/** How a gateway routes one module's traffic; the same in every gateway replica. */
export interface RolloutSetting {
  /** Percent (0–100) of the requests for a module served here that go to its extracted deployment instead. */
  weight: number;
  /** Whether a client (see `CANARY_STICKY_KEY`) always lands on the same side for a given weight. */
  sticky: boolean;
  /** Only instances of this colour answer for the module (blue-green); `null`: any healthy instance. */
  colour: string | null;
  updatedAt: string | null;
}

export const defaultRollout: RolloutSetting = { weight: 0, sticky: false, colour: null, updatedAt: null };

/** As stored: with the revision that orders writes, so a slow read never undoes a newer change. */
type Stored = RolloutSetting & { revision?: number };

export interface RolloutStoreOptions {
  redisUrl: string;
  redisCa?: string | undefined;
  /** The hash `<prefix>` holds the settings by module; change notices go out on the channel `<prefix>:changed`. */
  prefix: string;
  log: Logger;
  /** Read again from Redis this often, in case a change notice was missed (a reconnect drops pub/sub messages). */
  refreshMs: number;
}

/**
 * Rollout settings shared through Redis. Reads on the request path are synchronous, from this process's copy; the
 * copy follows a change within one round trip (a change notice on pub/sub) or, failing that, within `refreshMs`.
 */
export interface RolloutStore {
  /** The setting this process applies now (the default, weight 0 and no colour, until Redis says otherwise). */
  get(module: string): RolloutSetting;
  /** Stores a setting and tells every replica; resolves once stored. */
  write(module: string, setting: Omit<RolloutSetting, 'updatedAt'>): Promise<RolloutSetting>;
  /** Reads every setting from Redis now; resolves when this process's copy is current (start-up waits on it). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The next revision: one more than the last, and never below the clock (µs). Redis restarted without its data
 * counts from 1 again, and every gateway still holds the revision it applied last: a change numbered below it would
 * be ignored as a stale read (answered 200, never applied). From the clock, the numbers keep rising across such a loss.
 */
const nextRevision = `local r = redis.call('INCR', KEYS[1])
local t = tonumber(ARGV[1])
if r < t then redis.call('SET', KEYS[1], ARGV[1]) r = t end
return r`;

export function createRolloutStore(options: RolloutStoreOptions): RolloutStore {
  const connection = {
    ...guardedStreams,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    connectTimeout: 2000,
    ...(options.redisCa === undefined ? {} : { tls: { ca: options.redisCa } }),
  };
  const redis = new Redis(options.redisUrl, { ...connection, enableOfflineQueue: false });
  const subscriber = new Redis(options.redisUrl, connection);
  for (const r of [redis, subscriber]) r.on('error', (error: Error) => options.log.debug({ err: error }, 'rollout store connection error'));
  const settings = new Map<string, Stored>();
  const channel = `${options.prefix}:changed`;
  let timer: ReturnType<typeof setInterval> | undefined;

  const apply = (module: string, raw: string | null) => {
    const next: Stored = raw === null ? defaultRollout : { ...defaultRollout, ...(JSON.parse(raw) as Partial<Stored>) };
    const before: Stored = settings.get(module) ?? defaultRollout;
    // A refresh whose read was sent before a change notice can answer after it: the older revision is ignored.
    if ((next.revision ?? 0) < (before.revision ?? 0)) return;
    settings.set(module, next);
    if (before.weight !== next.weight || before.colour !== next.colour || before.sticky !== next.sticky)
      options.log.info({ module, weight: next.weight, sticky: next.sticky, colour: next.colour }, 'rollout setting applied');
  };
  async function refresh(): Promise<void> {
    const all = await redis.hgetall(options.prefix);
    for (const [module, raw] of Object.entries(all)) apply(module, raw);
    for (const module of settings.keys()) if (!(module in all)) apply(module, null);
  }

  const ready = (async () => {
    await Promise.all([redis.connect(), subscriber.connect()]);
    subscriber.on('message', (_channel: string, module: string) => {
      redis.hget(options.prefix, module).then(
        (raw) => apply(module, raw),
        (error: unknown) => options.log.warn({ err: error, module }, 'rollout setting not read; the next refresh reads it'),
      );
    });
    await subscriber.subscribe(channel);
    await refresh();
    timer = setInterval(() => void refresh().catch((error: unknown) => options.log.warn({ err: error }, 'rollout settings not refreshed')), options.refreshMs);
    timer.unref?.();
  })();

  return {
    get: (module) => {
      const { weight, sticky, colour, updatedAt } = settings.get(module) ?? defaultRollout;
      return { weight, sticky, colour, updatedAt };
    },
    async write(module, setting) {
      await ready;
      const revision = Number(await redis.eval(nextRevision, 1, `${options.prefix}:revision`, String(Date.now() * 1000)));
      const stored: Stored = { ...setting, updatedAt: new Date().toISOString(), revision };
      const raw = JSON.stringify(stored);
      const [written] = (await redis.multi().hset(options.prefix, module, raw).publish(channel, module).exec()) ?? [];
      if (written?.[0]) throw written[0];
      apply(module, raw);
      return { weight: stored.weight, sticky: stored.sticky, colour: stored.colour, updatedAt: stored.updatedAt };
    },
    async refresh() {
      await ready;
      await refresh();
    },
    async close() {
      if (timer) clearInterval(timer);
      await ready.catch(() => {});
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}
