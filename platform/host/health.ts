import type { App } from '../http/index.ts';
import { errorChain, messageOf, stripUrlCredentials } from '../observability/index.ts';
import type { HealthCheck } from './define-module.ts';

export interface ModuleChecks {
  module: string;
  checks: HealthCheck[];
}

interface CheckResult {
  module: string;
  name: string;
  status: 'pass' | 'warn' | 'fail';
  detail?: string;
  ms: number;
}

const checkTimeoutMs = 2000;

async function run(module: string, check: HealthCheck): Promise<CheckResult> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${checkTimeoutMs} ms`)), checkTimeoutMs);
    });
    const detail = await Promise.race([check.check(), timeout]);
    return { module, name: check.name, status: 'pass', ...(detail ? { detail } : {}), ms: elapsed(started) };
  } catch (error) {
    const status = check.critical === false ? 'warn' : 'fail';
    return { module, name: check.name, status, detail: publicDetail(error), ms: elapsed(started) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What a failed check shows on `/health/ready`, which is public: the messages down the error's cause chain, each once,
 * without a statement's text and bound values (drizzle's "Failed query: <sql>\nparams: <values>"; the database's reason
 * is its cause, e.g. `relation "catalog.products" does not exist`), and a URL it names without its password.
 */
export function publicDetail(error: unknown): string {
  const messages: string[] = [];
  for (const e of errorChain(error)) {
    const message = messageOf(e)
      .replace(/Failed query:[\s\S]*$/, '')
      .replace(/[\s:]+$/, '');
    if (message !== '' && !messages.some((said) => said.includes(message))) messages.push(message);
  }
  return stripUrlCredentials(messages.join(': ')) || 'failed';
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 100) / 100;

/**
 * `/health/live`: the process answers. `/health/ready`: every check of every hosted module passes (database,
 * migrations, relay, and the module's own), each reported with its detail; 503 when a critical one fails. A failing
 * non-critical check (e.g. paused event routing) shows as `warn` and leaves the host ready.
 */
export function mountHealth(app: App, checks: () => ModuleChecks[]): void {
  app.get('/health/live', (c) => c.json({ status: 'pass' }));
  app.get('/health/ready', async (c) => {
    const results = await Promise.all(checks().flatMap(({ module, checks: list }) => list.map((check) => run(module, check))));
    const ok = results.every((r) => r.status !== 'fail');
    const status = ok ? (results.some((r) => r.status === 'warn') ? 'warn' : 'pass') : 'fail';
    c.header('cache-control', 'no-store');
    return c.json({ status, checks: results }, ok ? 200 : 503);
  });
}

/** The critical checks that fail now (what makes `/health/ready` answer 503), with their details. */
export async function failingChecks(checks: readonly ModuleChecks[]): Promise<CheckResult[]> {
  const results = await Promise.all(checks.flatMap(({ module, checks: list }) => list.map((check) => run(module, check))));
  return results.filter((r) => r.status === 'fail');
}

/**
 * `pass` when every critical check passes (what a host reports to the registry with each heartbeat), else `fail`: as
 * `/health/ready` answers 200 with a non-critical check at `warn`, so discovery keeps finding the instance (events
 * held for a module expected elsewhere must not hide the host that module's own host needs to reach).
 */
export async function checksPass(checks: readonly HealthCheck[]): Promise<'pass' | 'fail'> {
  const results = await Promise.all(
    checks.map((c) =>
      c.check().then(
        () => true,
        () => c.critical === false,
      ),
    ),
  );
  return results.every(Boolean) ? 'pass' : 'fail';
}

/** A part of the host that works through Redis, and how to ask whether Redis answers it. */
export interface RedisUser {
  what: 'event bus' | 'rate limits';
  ping(): Promise<void>;
}

const withoutRedis: Record<RedisUser['what'], string> = {
  'event bus': 'events wait in the outboxes and none arrive here',
  'rate limits': 'credential operations are refused (503) and the other limits not counted',
};

/**
 * `host redis` on `/health/ready`: whether Redis answers each part of this host that uses it. Not critical (a `warn`,
 * for the alert and the operator): every replica shares the one Redis, so failing readiness would take them all out of
 * service at once, while reads and writes go on without it. Undefined for a host that uses no Redis.
 */
export function redisCheck(users: readonly RedisUser[]): HealthCheck | undefined {
  if (users.length === 0) return undefined;
  return {
    name: 'redis',
    critical: false,
    async check() {
      const failed = (
        await Promise.all(
          users.map((u) =>
            u.ping().then(
              () => [],
              () => [u.what],
            ),
          ),
        )
      ).flat();
      if (failed.length > 0)
        throw new Error(`Redis does not answer the ${failed.join(' or the ')}: ${failed.map((f) => withoutRedis[f]).join('; ')}, until it is back`);
      return `answers the ${users.map((u) => u.what).join(' and the ')}`;
    },
  };
}
