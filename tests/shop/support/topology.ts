import { createScratchDatabase, postgresUrl, redisUrl } from '../../support/databases.ts';
import { freePort, startProcessHost, type ProcessHost } from '../../support/process-host.ts';
import { deleteNamespace, redisPrefix } from '../../support/redis-keys.ts';

/** Where the shop's six modules run. */
export type ShopLayout = 'monolith-pglite' | 'monolith' | 'payments-extracted' | 'inventory-extracted' | 'split';

export interface Shop {
  layout: ShopLayout;
  /** The public entry point: the monolith (gateway for the extracted modules). */
  entry: string;
  /** The monolith first, then the extracted modules in the order payments, inventory. */
  processes: ProcessHost[];
  /** The process running `module`. */
  processOf(module: string): ProcessHost;
  /** The URL of the database holding `module`'s schema (undefined on PGlite), for tests that look inside it. */
  databaseOf(module: string): string | undefined;
  stop(): Promise<void>;
}

export interface ShopOptions {
  /** Added to every process's environment (provider faults, timings). */
  env?: Record<string, string>;
  /** Added to the extracted payments process only. */
  paymentsEnv?: Record<string, string>;
  /** The servers to use (default: TEST_DATABASE_URL and TEST_REDIS_URL). */
  servers?: { postgresUrl: string; redisUrl: string };
}

/** Which layouts need PostgreSQL and Redis (every one but the embedded monolith). */
export const needsServers = (layout: ShopLayout) => layout !== 'monolith-pglite';
/** Whether this machine can run `layout` (TEST_DATABASE_URL and TEST_REDIS_URL set where needed). */
export const canRun = (layout: ShopLayout) => !needsServers(layout) || (postgresUrl !== undefined && redisUrl !== undefined);

// Every shop process's settings: customers sign in with the password grant through the demo web client, which the
// demo data creates (both development only, refused in production); events retried and swept quickly.
export const shopBaseEnv = {
  DEMO_DATA: 'true',
  IDENTITY_PASSWORD_GRANT: 'true',
  EVENT_RETRY_BASE_MS: '50',
  OUTBOX_SWEEP_MS: '500',
  REGISTRY_HEARTBEAT_MS: '1000',
};

/**
 * Starts the shop in `layout`: one process (PGlite, or PostgreSQL with BullMQ), or the monolith with payments and/or
 * inventory extracted to their own processes and databases, reached over HTTP, their events through BullMQ.
 */
export async function startShop(layout: ShopLayout, options: ShopOptions = {}): Promise<Shop> {
  const pg = options.servers?.postgresUrl ?? postgresUrl;
  const redis = options.servers?.redisUrl ?? redisUrl;
  const cleanups: (() => Promise<void>)[] = [];
  const processes: ProcessHost[] = [];
  const owner = new Map<string, ProcessHost>();
  const databases = new Map<string, string>();
  const scratch = async (...modules: string[]) => {
    const db = await createScratchDatabase(pg as string);
    cleanups.push(db.drop);
    for (const m of modules) databases.set(m, db.url);
    return db.url;
  };
  // A Redis prefix of its own, whose keys (queues, jobs, rate limits, registry) go once the processes have stopped:
  // a run leaves nothing in the Redis it shares (best effort: a test may have stopped that Redis for good).
  const prefix = () => {
    const name = redisPrefix();
    cleanups.push(() => deleteNamespace(redis as string, name).catch(() => undefined));
    return name;
  };
  const stop = async () => {
    for (const p of processes.slice().reverse()) await p.stop();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const env = { ...shopBaseEnv, ...options.env };
    const all = ['catalog', 'identity', 'ordering', 'notifications', 'payments', 'inventory'];
    if (layout === 'monolith-pglite' || layout === 'monolith') {
      const servers = layout === 'monolith' ? { DATABASE_URL: await scratch(...all), REDIS_URL: redis as string, REDIS_PREFIX: prefix() } : {};
      processes.push(await startProcessHost({ env: { ...env, ...servers } }));
    } else {
      const extracted = layout === 'split' ? ['payments', 'inventory'] : [layout === 'payments-extracted' ? 'payments' : 'inventory'];
      const ports = new Map<string, number>([['monolith', await freePort()]]);
      for (const m of extracted) ports.set(m, await freePort());
      const at = (m: string) => `${m}=http://127.0.0.1:${ports.get(ports.has(m) ? m : 'monolith') as number}`;
      const shared = { ...env, REDIS_URL: redis as string, REDIS_PREFIX: prefix() };
      const local = all.filter((m) => !extracted.includes(m));
      const [monolith, ...others] = await Promise.all([
        startProcessHost({
          port: ports.get('monolith') as number,
          env: { ...shared, MODULES: local.join(','), DATABASE_URL: await scratch(...local), REMOTE_MODULES: extracted.map(at).join(',') },
        }),
        ...extracted.map(async (m) =>
          startProcessHost({
            entry: `apps/extracted/${m}/main.ts`,
            port: ports.get(m) as number,
            env: {
              ...shared,
              ...(m === 'payments' ? options.paymentsEnv : {}),
              DATABASE_URL: await scratch(m),
              // What it calls: identity (tokens, keys) and, for inventory, catalog.
              REMOTE_MODULES: (m === 'inventory' ? ['identity', 'catalog'] : ['identity']).map(at).join(','),
            },
          }),
        ),
      ]);
      processes.push(monolith as ProcessHost, ...others);
      extracted.forEach((m, i) => owner.set(m, others[i] as ProcessHost));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const monolith = processes[0] as ProcessHost;
  return { layout, entry: monolith.url, processes, processOf: (m) => owner.get(m) ?? monolith, databaseOf: (m) => databases.get(m), stop };
}

/** The error and fatal lines the shop's processes logged, for whoever reads a failure (a passing run logs none). */
export function loggedErrors(shop: Shop | undefined): string[] {
  return (shop?.processes ?? []).flatMap((p) =>
    p
      .output()
      .split('\n')
      .filter((l) => /"level":(50|60)/.test(l)),
  );
}
