import { spawn } from 'node:child_process';
import process from 'node:process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogModule } from '../../modules/catalog/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { openWorld } from '../support/buses/world.ts';
import postgres from 'postgres';
import { createScratchDatabase, postgresTestDatabase, postgresUrl, type TestDatabaseHandle } from '../support/databases.ts';
import { probeModule, readEffects } from '../support/probe/module.ts';
import { lockTable } from '../support/table-lock.ts';
import { freePort, generousRateLimits, startProcessHost } from '../support/process-host.ts';
import { testAdminSecret } from '../support/tokens.ts';
import { tempDir } from '../support/temp-dir.ts';
import { call, eventually, startTestHost, testLogger } from '../support/test-host.ts';

if (!postgresTestDatabase) process.stdout.write('\n  Shutdown deadline: needs TEST_DATABASE_URL (a lock held from outside the process); SKIPPED.\n');

/**
 * The monolith (catalog and identity), or the app `entry`, through tsx in a process of its own, its stdout and stderr
 * collected; with `bundled`, as `npm start` runs it (one esbuild bundle).
 */
function spawnMonolith(env: Record<string, string>, { entry = 'apps/monolith/main.ts', bundled = false } = {}) {
  const child = spawn(process.execPath, bundled ? ['tools/start/launch.mjs', entry] : ['--import', 'tsx', entry], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_FORMAT: 'json',
      MODULES: 'catalog,identity',
      DATABASE_ROLES: 'false',
      HOST: '127.0.0.1',
      IDENTITY_ADMIN_SECRET: testAdminSecret,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

describe.skipIf(!postgresTestDatabase)('graceful shutdown with a deadline', () => {
  let database: TestDatabaseHandle;
  let restarted: Host | undefined;
  beforeAll(async () => {
    database = await (postgresTestDatabase as NonNullable<typeof postgresTestDatabase>).open();
    // Catalog and probe schemas, as the child will use them.
    await openWorld(database, testLogger());
  });
  afterAll(async () => {
    await restarted?.stop();
    await database.close();
  });

  it('exits at the deadline although a delivery hangs, naming the event it abandoned, which the next start delivers', { timeout: 120_000 }, async () => {
    const lock = await lockTable(database.url ?? '', 'probe.effects');
    try {
      const child = await startProcessHost({
        entry: 'tests/support/probe/main.ts',
        env: {
          MODULES: 'catalog,probe,identity',
          DATABASE_URL: database.url ?? '',
          DATABASE_ROLES: 'false',
          SHUTDOWN_TIMEOUT_MS: '1500',
          EVENT_HANDLER_TIMEOUT_MS: '40000',
        },
      });
      const created = await child.fetch('/catalog/v1/products', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'SHUT-1', name: 'Abandoned', price: { amount: 1, currency: 'EUR' } }),
      });
      expect(created.status).toBe(201);
      // The probe's handler is now waiting on the lock: the relay has the event in flight.
      await eventually(async () => expect(await (await fetch(`${child.url}/health/ready`)).text()).toContain('1 in flight'), 30_000);
      const exit = await child.terminate();
      expect(exit.code).toBe(1);
      const line = child
        .output()
        .split('\n')
        .find((l) => l.includes('shutdown deadline passed'));
      expect(line).toBeDefined();
      const { abandoned, deliveries } = JSON.parse(line as string) as {
        abandoned: { module: string; eventId: string }[];
        deliveries: { consumer: string; eventId: string; event: string }[];
      };
      expect(abandoned).toHaveLength(1);
      expect(abandoned[0]?.module).toBe('catalog');
      // The consumer handling it (its transaction waits on the lock) is named too.
      expect(deliveries).toEqual([{ consumer: expect.stringMatching(/^probe:/) as string, eventId: abandoned[0]?.eventId, event: 'catalog.product-created' }]);

      await lock.release();
      // The next start delivers what was abandoned, once.
      restarted = await startTestHost({ database, modules: [catalogModule, probeModule({ failuresLeft: 0, attempts: [] })] });
      await eventually(async () => expect((await readEffects(database.db)).map((e) => e.eventId)).toEqual([abandoned[0]?.eventId]), 30_000);
      expect((await call(restarted, 'GET', '/health/ready')).status).toBe(200);
    } finally {
      await lock.release();
    }
  });
});

describe.skipIf(!postgresTestDatabase)('a SIGTERM while demo data still loads', () => {
  let database: TestDatabaseHandle;
  beforeAll(async () => {
    database = await (postgresTestDatabase as NonNullable<typeof postgresTestDatabase>).open();
    await openWorld(database, testLogger());
  });
  afterAll(() => database.close());

  it('drains and exits (no death by signal): the host serves, and handles signals, before its demo data is in', { timeout: 120_000 }, async () => {
    // Demo products wait on this lock, so the start stays between "serving" and "ready" as long as the test wants.
    const lock = await lockTable(database.url ?? '', 'catalog.products');
    const port = await freePort();
    const { child, output, exited } = spawnMonolith({
      ...generousRateLimits,
      DATABASE_URL: database.url ?? '',
      DEMO_DATA: 'true',
      PORT: String(port),
      SHUTDOWN_TIMEOUT_MS: '3000',
    });
    try {
      await eventually(async () => expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200), 90_000);
      expect(output()).not.toContain('Cleave is ready');
      child.kill('SIGTERM');
      const exit = await exited;
      expect(exit.signal).toBeNull();
      expect(output()).toContain('shutting down');
    } finally {
      child.kill('SIGKILL');
      await lock.release();
    }
  });
});

describe.skipIf(!postgresTestDatabase)('a SIGTERM during start-up', () => {
  it('ends the process at once with 143 and one line (as PID 1 it would otherwise finish starting and serve until SIGKILL)', { timeout: 120_000 }, async () => {
    const scratch = await createScratchDatabase(postgresUrl ?? '');
    // Every module's migrations take this lock (keyed by schema): held here, start-up waits on it as long as the test wants.
    const holder = postgres(scratch.url, { max: 1, onnotice: () => {} });
    await holder`select pg_advisory_lock(hashtext('cleave:migrate:identity'))`;
    const { child, output, exited } = spawnMonolith({ DATABASE_URL: scratch.url, DEMO_DATA: 'false', PORT: String(await freePort()) });
    try {
      // The host is inside start-up, its migration waiting on the lock.
      await eventually(async () => {
        const [row] = await holder<{ waiting: number }[]>`select count(*)::int as waiting from pg_locks where locktype = 'advisory' and not granted`;
        expect(row?.waiting).toBe(1);
      }, 90_000);
      child.kill('SIGTERM');
      expect(await exited).toEqual({ code: 143, signal: null });
      expect(output()).toContain('SIGTERM during start-up: stopping now');
      expect(output()).not.toContain('Cleave is ready');
    } finally {
      child.kill('SIGKILL');
      await holder.end();
      await scratch.drop();
    }
  });
});

describe('a SIGTERM during start-up on PGlite', () => {
  it('is not lost while a migration holds the event loop: the process ends with 143 and one line, never serving', { timeout: 120_000 }, async () => {
    // Identity migrates, then the slowstart module's migration sleeps 5 s inside PGlite without a turn of the loop.
    // Run as `npm start` runs an app (one bundle): through tsx's loader the signal happened to be read in time.
    const { child, output, exited } = spawnMonolith(
      { MODULES: 'identity,slowstart', DATA_DIR: tempDir('sigterm-pglite'), DEMO_DATA: 'false', PORT: String(await freePort()) },
      { entry: 'tests/support/slow-start/main.ts', bundled: true },
    );
    try {
      await eventually(() => expect(output()).toMatch(/"module":"identity"[^\n]*"msg":"migrations applied"/), 90_000);
      child.kill('SIGTERM');
      const exit = await Promise.race([exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 60_000))]);
      expect(exit).toEqual({ code: 143, signal: null });
      expect(output()).toContain('SIGTERM during start-up: stopping now');
      expect(output()).not.toContain('Cleave is ready');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
