import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { guardedStreams } from '../events/redis-stream-guard.ts';
import type { Logger } from '../observability/index.ts';

/** One running instance of one module, as registered. */
export interface InstanceRecord {
  id: string;
  module: string;
  version: string;
  contractHash: string;
  address: string;
  health: 'pass' | 'fail';
  startedAt: string;
  seenAt: string;
  /** The deployment the instance belongs to and its blue-green colour; absent from hosts older than these labels. */
  deployment?: string;
  colour?: string | null;
  /** The event consumers it runs (`<module>:<handler>`); absent from hosts older than this field. */
  consumers?: string[];
}

export interface Announcement {
  module: string;
  version: string;
  contractHash: string;
  /** The module's event consumers this host runs (`<module>:<handler>`). */
  consumers?: readonly string[];
}

export interface RegistryOptions {
  redisUrl: string;
  /** The CA a `rediss://` server is verified against. */
  redisCa?: string | undefined;
  log: Logger;
  heartbeatMs: number;
  /** A registration not refreshed within this time disappears. */
  ttlMs: number;
  prefix?: string;
  /** Written into every record: which deployment this host belongs to, and its colour in a blue-green pair. */
  labels?: { deployment: string; colour: string | null };
}

/** The service catalog in Redis: hosts announce their modules with a heartbeat; entries expire on their own. */
export interface Registry {
  /** This host's instance id, in every record it writes. */
  readonly id: string;
  /** Starts announcing the modules at `address`; `health` is asked before every heartbeat. */
  announce(modules: Announcement[], address: string, health: () => Promise<'pass' | 'fail'>): Promise<void>;
  instances(module?: string): Promise<InstanceRecord[]>;
  modules(): Promise<string[]>;
  /**
   * Stops the heartbeat and removes this host's entries, keeping the connection (a draining host still discovers
   * others); a later `close` only disconnects.
   */
  withdraw(): Promise<void>;
  /** Stops the heartbeat and removes this host's entries (`deregister: false` leaves them to expire, as a crash would). */
  close(options?: { deregister?: boolean }): Promise<void>;
}

/**
 * Keys: `<prefix>:i:<module>:<id>` holds one instance with a TTL; the set `<prefix>:m:<module>` lists instance ids
 * (stale ids are pruned when read); `<prefix>:modules` lists module names.
 */
export function createRegistry(options: RegistryOptions): Registry {
  const prefix = options.prefix ?? 'cleave:registry';
  const redis = new Redis(options.redisUrl, {
    ...guardedStreams,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    ...(options.redisCa === undefined ? {} : { tls: { ca: options.redisCa } }),
  });
  redis.on('error', (error: Error) => options.log.debug({ err: error }, 'registry connection error'));
  const connected = redis.connect().catch((error: unknown) => options.log.warn({ err: error }, 'registry unreachable; retrying in the background'));
  const hostId = randomUUID();
  const startedAt = new Date().toISOString();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let announced: Announcement[] = [];

  const key = (module: string, id: string) => `${prefix}:i:${module}:${id}`;

  async function heartbeat(address: string, health: () => Promise<'pass' | 'fail'>): Promise<void> {
    const status = await health().catch(() => 'fail' as const);
    const seenAt = new Date().toISOString();
    const multi = redis.multi();
    for (const a of announced) {
      const record: InstanceRecord = {
        id: hostId,
        module: a.module,
        version: a.version,
        contractHash: a.contractHash,
        address,
        health: status,
        startedAt,
        seenAt,
        ...(options.labels ?? {}),
        ...(a.consumers ? { consumers: [...a.consumers] } : {}),
      };
      multi.set(key(a.module, hostId), JSON.stringify(record), 'PX', options.ttlMs);
      multi.sadd(`${prefix}:m:${a.module}`, hostId);
      multi.sadd(`${prefix}:modules`, a.module);
    }
    await multi.exec();
  }

  async function withdraw(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const leaving = announced;
    announced = [];
    if (leaving.length === 0 || redis.status !== 'ready') return;
    const multi = redis.multi();
    for (const a of leaving) {
      multi.del(key(a.module, hostId));
      multi.srem(`${prefix}:m:${a.module}`, hostId);
    }
    await multi.exec().catch((error: unknown) => options.log.warn({ err: error }, 'could not leave the registry; the entries expire on their own'));
    options.log.info({ modules: leaving.map((a) => a.module) }, 'left the service registry');
  }

  async function instancesOf(module: string): Promise<InstanceRecord[]> {
    const ids = await redis.smembers(`${prefix}:m:${module}`);
    if (ids.length === 0) return [];
    const values = await redis.mget(ids.map((id) => key(module, id)));
    const stale = ids.filter((_, i) => values[i] === null);
    if (stale.length > 0) await redis.srem(`${prefix}:m:${module}`, ...stale);
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as InstanceRecord);
  }

  return {
    id: hostId,
    async announce(modules, address, health) {
      await connected;
      announced = modules;
      let registered = false;
      const beat = () =>
        heartbeat(address, health).then(
          () => {
            // Said once the first beat is in Redis: with Redis down at start, only when it is (not before, falsely).
            if (!registered) options.log.info({ modules: modules.map((m) => m.module), address }, 'registered in the service registry');
            registered = true;
          },
          (error: unknown) => options.log.warn({ err: error }, 'registry heartbeat failed'),
        );
      await beat();
      // The next beat is scheduled when this one is done, so a slow health check or Redis never makes beats overlap.
      const next = () => {
        timer = setTimeout(() => void beat().finally(() => timer && next()), options.heartbeatMs);
        timer.unref?.();
      };
      next();
    },
    async instances(module) {
      await connected;
      const names = module ? [module] : await redis.smembers(`${prefix}:modules`);
      return (await Promise.all(names.sort().map(instancesOf))).flat();
    },
    async modules() {
      await connected;
      return (await redis.smembers(`${prefix}:modules`)).sort();
    },
    withdraw,
    async close({ deregister = true } = {}) {
      if (deregister) await withdraw();
      if (timer) clearTimeout(timer);
      timer = undefined;
      redis.disconnect();
    },
  };
}
