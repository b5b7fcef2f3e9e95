import type { Logger } from '../observability/index.ts';
import type { HostedModule } from './hosted-module.ts';

/** A host's event processing waiting for its migrations; `cancel` stops the wait (and awaits a start under way). */
export interface MigrationWait {
  cancel(): Promise<void>;
  /** Runs `task` once the migrations are applied and event processing started (never, if the wait is cancelled). */
  afterStart(task: () => Promise<void>): void;
}

/**
 * Starts the host's event processing (`start`: the bus's consumers, the relays, projections, retention, sagas, the
 * audit's signing) once every hosted module's migrations are applied. With `MIGRATE_ON_START=false` a host may start
 * before they are (an admin Job applies them beside it): it then serves, not ready, and asks again every `pollMs`,
 * rather than have every relay, saga runner and projection fail on missing tables several times a second (and a
 * consumer's deliveries fail into dead letters). Resolves once started when nothing is pending; otherwise at once,
 * with the wait.
 */
export async function startWhenMigrated(
  modules: readonly HostedModule[],
  log: Logger,
  start: () => Promise<void>,
  pollMs = 1000,
): Promise<MigrationWait | undefined> {
  const pending = async () => {
    const counts = await Promise.all(modules.map(async (m) => [m.definition.name, await m.pendingMigrations()] as const));
    return Object.fromEntries(counts.filter(([, n]) => n > 0));
  };
  const first = await pending();
  if (Object.keys(first).length === 0) {
    await start();
    return undefined;
  }
  log.warn({ pending: first }, 'migrations not applied (npm run db:migrate): event delivery, relays, projections and sagas wait for them');
  let cancelled = false;
  let starting: Promise<void> | undefined;
  const after: (() => Promise<void>)[] = [];
  let started = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const next = () => {
    timer = setTimeout(() => void check(), pollMs);
    timer.unref?.();
  };
  const check = async () => {
    let left: Record<string, number> | undefined;
    try {
      left = await pending();
    } catch (error) {
      log.warn({ err: error }, 'could not read which migrations are applied; asking again');
    }
    if (cancelled) return;
    if (left && Object.keys(left).length === 0) {
      starting = start().then(
        async () => {
          log.info('migrations applied: event delivery, relays, projections and sagas started');
          started = true;
          for (const task of after.splice(0)) await task();
        },
        (error: unknown) => log.error({ err: error }, 'starting event delivery after the migrations failed; the host stays not ready'),
      );
      return;
    }
    next();
  };
  next();
  return {
    async cancel() {
      cancelled = true;
      if (timer) clearTimeout(timer);
      await starting;
    },
    afterStart(task) {
      if (started) void task();
      else after.push(task);
    },
  };
}
