import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { createScratchDatabase } from '../../support/databases.ts';
import { freePort, redisPrefix } from '../../support/process-host.ts';
import { startRedisServer } from '../../support/redis-server.ts';
import type { Send } from '../../shop/support/customer.ts';
import { shopBaseEnv } from '../../shop/support/topology.ts';
import { adminAccess, type AdminAccess } from '../access.ts';
import { processMember, redisMember, type Member } from '../topology.ts';

/** What the checkout run kills: the monolith (ordering, inventory, catalog, identity, notifications), payments, Redis. */
export const shopTargets = ['monolith', 'payments', 'redis'] as const;
export type ShopTarget = (typeof shopTargets)[number];

export interface ShopChaosTopology {
  members: Record<ShopTarget, Member>;
  /** A customer's requests to the monolith, the shop's entry point (it forwards /payments/… to payments). */
  send: Send;
  /** The same with an admin token (every scope), renewed while identity is being killed. */
  admin: Send;
  access: AdminAccess;
  logDir: string;
  /** Kills every process (their logs complete), drops the databases, removes Redis's files (and the logs unless kept). */
  close(keepLogs: boolean): Promise<void>;
}

/** Short timings, so leases, retries and restarts play out many times within a minute of load. */
const timings = {
  DATABASE_ROLES: 'false',
  REGISTRY: 'false',
  OUTBOX_SWEEP_MS: '500',
  OUTBOX_LEASE_MS: '2000',
  EVENT_RETRY_BASE_MS: '100',
  EVENT_RETRY_MAX_MS: '1000',
  // Events outlive a consumer's outage of seconds rather than being dead-lettered.
  EVENT_MAX_ATTEMPTS: '30',
  EVENT_HANDLER_TIMEOUT_MS: '3000',
  EVENT_PARTITION_LEASE_MS: '3000',
  DB_STATEMENT_TIMEOUT_MS: '4000',
  SHUTDOWN_TIMEOUT_MS: '5000',
  REMOTE_TIMEOUT_MS: '3000',
};

/**
 * The shop split for chaos: the monolith and payments extracted (its own process and PostgreSQL scratch database,
 * reached over HTTP, its events through BullMQ), and a private redis-server fsyncing every write to its append-only
 * file, each killable and restartable on the same port; every process's output goes to a file in `logDir`.
 */
export async function startShopChaos(postgresUrl: string): Promise<ShopChaosTopology> {
  const cleanups: (() => Promise<void>)[] = [];
  const logDir = await mkdtemp(join(tmpdir(), 'cleave-chaos-shop-'));
  const members: Partial<Record<ShopTarget, Member & { stop(): Promise<void> }>> = {};
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
    await Promise.allSettled(Object.values(members).map((m) => m.stop()));
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
    if (!keepLogs) await rm(logDir, { recursive: true, force: true });
  };
  try {
    const scratch = async () => {
      const db = await createScratchDatabase(postgresUrl);
      cleanups.push(db.drop);
      return db.url;
    };
    const redisDir = join(logDir, 'redis');
    await mkdir(redisDir);
    const redis = await startRedisServer({ appendOnly: { dir: redisDir, fsync: 'always' } });
    members.redis = redisMember(redis);
    const ports = { monolith: await freePort(), payments: await freePort() };
    const shared = {
      ...shopBaseEnv,
      ...timings,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `chaos-${redisPrefix()}`,
      // The run's own key-encryption key: the signing keys it seals outlive every restart, as the database does.
      IDENTITY_KEK: randomBytes(32).toString('base64'),
      TEST_DATABASE_URL: '',
      TEST_REDIS_URL: '',
    };
    members.monolith = processMember('monolith', logDir, {
      entry: 'apps/monolith/main.ts',
      port: ports.monolith,
      env: {
        ...shared,
        MODULES: 'catalog,inventory,identity,ordering,notifications',
        DATABASE_URL: await scratch(),
        REMOTE_MODULES: `payments=http://127.0.0.1:${ports.payments}`,
      },
    });
    members.payments = processMember('payments', logDir, {
      entry: 'apps/extracted/payments/main.ts',
      port: ports.payments,
      env: { ...shared, DATABASE_URL: await scratch(), REMOTE_MODULES: `identity=http://127.0.0.1:${ports.monolith}` },
    });
    const all = members as Record<ShopTarget, Member>;
    await Promise.all([all.payments.start(), all.monolith.start()]);
    const access = adminAccess(all.monolith.url);
    const send: Send = (path, init) => fetch(`${all.monolith.url}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
    const admin: Send = async (path, init = {}) =>
      send(path, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: await access.authorization(60_000) } });
    return { members: all, send, admin, access, logDir, close };
  } catch (error) {
    await close(true);
    throw error;
  }
}
