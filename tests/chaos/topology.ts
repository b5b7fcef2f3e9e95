import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { createScratchDatabase } from '../support/databases.ts';
import { adminAccess, type AdminAccess } from './access.ts';
import { freePort, redisPrefix, startProcessHost, type ProcessHost } from '../support/process-host.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';

/** What the schedule can kill. */
export const targets = ['inventory-a', 'inventory-b', 'probe', 'monolith', 'redis'] as const;
export type Target = (typeof targets)[number];

/** Whether the private Redis keeps an append-only file fsynced on every write, or nothing. */
export type Persistence = 'aof-always' | 'none';

/** One killable part of the system: a host process, or the Redis server. */
export interface Member {
  /** A target of the pipeline run, or a member of another run (the checkout run's `payments`). */
  name: string;
  /** Where it serves (HTTP for hosts, redis:// for Redis); the same across restarts. */
  url: string;
  readonly running: boolean;
  /** SIGKILL; resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it is ready (retries a start that fails). */
  start(): Promise<void>;
  readonly kills: number;
  /** The operating system's id of the running process. */
  readonly pid: number | undefined;
}

export interface Topology {
  members: Record<Target, Member>;
  /** `REDIS_PREFIX` of this run: BullMQ's queues live under `<prefix>:q`. */
  prefix: string;
  partitions: number;
  databases: { catalog: string; inventory: string; probe: string };
  redisUrl: string;
  /** Where every process's output is kept. */
  logDir: string;
  /** Admin tokens from the identity module, which the monolith hosts and every other process reaches. */
  admin: AdminAccess;
  /** Stops every process (SIGKILL), so their logs are complete; `close` does it too. */
  stop(): Promise<void>;
  /** Kills everything, drops the databases and removes Redis's files (and the logs when `keepLogs` is false). */
  close(keepLogs: boolean): Promise<void>;
}

export interface TopologyOptions {
  postgresUrl: string;
  persistence: Persistence;
  /** Queue partitions of each consuming module. */
  partitions: number;
}

/** Short timings, so that leases, stalls and retries play out many times within a run of a minute or two. */
function timings(partitions: number): Record<string, string> {
  return {
    DATABASE_ROLES: 'false',
    REGISTRY: 'false',
    LOG_LEVEL: 'info',
    OUTBOX_SWEEP_MS: '500',
    OUTBOX_LEASE_MS: '2000',
    EVENT_RETRY_BASE_MS: '100',
    EVENT_RETRY_MAX_MS: '1000',
    EVENT_MAX_ATTEMPTS: '10',
    EVENT_HANDLER_TIMEOUT_MS: '3000',
    EVENT_PARTITIONS: String(partitions),
    EVENT_PARTITION_LEASE_MS: '3000',
    // A job interrupted twice (its worker killed twice while holding it) is dead-lettered: the double-stall case.
    EVENT_MAX_STALLS: '1',
    DB_STATEMENT_TIMEOUT_MS: '4000',
    SHUTDOWN_TIMEOUT_MS: '5000',
    REMOTE_TIMEOUT_MS: '2000',
  };
}

/**
 * Starts the system under test: the monolith hosting catalog (the publisher) and identity, inventory extracted in two
 * replicas sharing one database, the probe consumer in its own process, each on its own PostgreSQL scratch database,
 * and a private redis-server; every process's output goes to a file in `logDir`. Every process verifies access tokens
 * against the monolith's identity module.
 */
export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const cleanups: (() => Promise<void>)[] = [];
  const logDir = await mkdtemp(join(tmpdir(), `cleave-chaos-${options.persistence}-`));
  const members: Partial<Record<Target, Member & { stop(): Promise<void> }>> = {};
  const stop = async () => {
    await Promise.allSettled(Object.values(members).map((m) => m.stop()));
  };
  // A run cut short (a test timeout, a crash of the runner) must not leave hosts or Redis behind.
  const killAll = () => {
    for (const m of Object.values(members)) {
      try {
        if (m.pid !== undefined) process.kill(m.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  };
  process.once('exit', killAll);
  const close = async (keepLogs: boolean) => {
    process.off('exit', killAll);
    await stop();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
    if (!keepLogs) await rm(logDir, { recursive: true, force: true });
  };
  try {
    const scratch = async () => {
      const db = await createScratchDatabase(options.postgresUrl);
      cleanups.push(db.drop);
      return db.url;
    };
    const databases = { catalog: await scratch(), inventory: await scratch(), probe: await scratch() };
    const redisDir = join(logDir, 'redis');
    await mkdir(redisDir);
    const redis = await startRedisServer(options.persistence === 'aof-always' ? { appendOnly: { dir: redisDir, fsync: 'always' } } : {});
    members.redis = redisMember(redis);
    const prefix = `chaos-${redisPrefix()}`;
    const ports = { monolith: await freePort(), 'inventory-a': await freePort(), 'inventory-b': await freePort(), probe: await freePort() };
    // The test runner's own settings are not the hosts' (an empty value counts as unset).
    const shared = { ...timings(options.partitions), REDIS_URL: redis.url, REDIS_PREFIX: prefix, TEST_DATABASE_URL: '', TEST_REDIS_URL: '' };
    const host = (name: Exclude<Target, 'redis'>, entry: string, env: Record<string, string>) =>
      processMember(name, logDir, { entry, port: ports[name], env: { ...shared, ...env } });
    const identity = `identity=http://127.0.0.1:${ports.monolith}`;
    members.monolith = host('monolith', 'apps/monolith/main.ts', {
      MODULES: 'catalog,identity',
      DATABASE_URL: databases.catalog,
      // The run's own key-encryption key: the signing keys it seals outlive every restart, as the database does.
      IDENTITY_KEK: randomBytes(32).toString('base64'),
      // Tokens short-lived enough that the client and the hosts renew theirs while identity is being killed.
      ACCESS_TOKEN_TTL: '20s',
      REMOTE_MODULES: `inventory=http://127.0.0.1:${ports['inventory-a']}`,
    });
    for (const name of ['inventory-a', 'inventory-b'] as const) {
      members[name] = host(name, 'apps/extracted/inventory/main.ts', {
        DATABASE_URL: databases.inventory,
        REMOTE_MODULES: `catalog=http://127.0.0.1:${ports.monolith},${identity}`,
      });
    }
    members.probe = host('probe', 'tests/support/probe/main.ts', {
      MODULES: 'probe',
      DATABASE_URL: databases.probe,
      REMOTE_MODULES: `catalog=http://127.0.0.1:${ports.monolith},${identity}`,
    });
    // Consumers first, so their subscriptions are registered before the publisher routes its first event.
    const all = members as Record<Target, Member>;
    await Promise.all([all['inventory-a'].start(), all['inventory-b'].start(), all.probe.start()]);
    await all.monolith.start();
    return {
      members: all,
      prefix,
      partitions: options.partitions,
      databases,
      redisUrl: redis.url,
      logDir,
      admin: adminAccess(all.monolith.url),
      stop,
      close,
    };
  } catch (error) {
    await close(true);
    throw error;
  }
}

/** Redis as a killable member: SIGKILL and start again on the same port (with its append-only file, if any). */
export function redisMember(server: RedisServer): Member & { stop(): Promise<void> } {
  let kills = 0;
  return {
    name: 'redis',
    url: server.url,
    get running() {
      return server.running;
    },
    get kills() {
      return kills;
    },
    get pid() {
      return server.pid;
    },
    async kill() {
      kills += 1;
      await server.stop();
    },
    start: () => server.start(),
    stop: () => server.stop(),
  };
}

/** A host process as a killable member: SIGKILL, and start again on the same port; its output kept in `logDir`. */
export function processMember(
  name: string,
  logDir: string,
  options: { entry: string; port: number; env: Record<string, string> },
): Member & { stop(): Promise<void> } {
  let current: ProcessHost | undefined;
  let starting: Promise<void> | undefined;
  let kills = 0;
  let lives = 0;
  const logFile = join(logDir, `${name}.log`);
  const keep = async (child: ProcessHost, how: string) =>
    appendFile(logFile, `${child.output()}\n--- life ${lives} of ${name} ended: ${how} at ${new Date().toISOString()}\n`);
  const start = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        lives += 1;
        current = await startProcessHost({ entry: options.entry, port: options.port, env: options.env });
        return;
      } catch (error) {
        await appendFile(logFile, `--- start ${attempt} of ${name} failed: ${String(error)}\n`);
        if (attempt >= 3) throw error;
      }
    }
  };
  return {
    name,
    url: `http://127.0.0.1:${options.port}`,
    get running() {
      return current !== undefined;
    },
    get kills() {
      return kills;
    },
    get pid() {
      return current?.pid;
    },
    async kill() {
      await starting;
      const child = current;
      if (!child) return;
      current = undefined;
      kills += 1;
      await child.kill();
      await keep(child, 'SIGKILL');
    },
    async start() {
      if (current) return;
      starting ??= start().finally(() => (starting = undefined));
      await starting;
    },
    async stop() {
      await starting?.catch(() => {});
      const child = current;
      current = undefined;
      if (!child) return;
      await child.kill();
      await keep(child, 'end of run');
    },
  };
}
