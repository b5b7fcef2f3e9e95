import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogModule } from '../../modules/catalog/index.ts';
import { openDatabase, type DatabaseHandle } from '../../platform/db/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { createScratchDatabase, postgresUrl } from '../support/databases.ts';
import { directCall } from '../support/direct-call.ts';
import { call, startTestHost } from '../support/test-host.ts';

/**
 * A module's table held by another session's lock: its statements wait until statement_timeout cancels them. The
 * client is told to try again (503 `db/unavailable`, `Retry-After`), over HTTP and on the direct path alike, and
 * nothing is kept of the refused attempt: the same Idempotency-Key succeeds once the lock is gone.
 */
describe.skipIf(!postgresUrl)('a database that is busy (a lock held past statement_timeout)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let database: DatabaseHandle;
  let host: Host;
  let locker: postgres.Sql;
  let release: (() => void) | undefined;
  let held: Promise<unknown> | undefined;

  beforeAll(async () => {
    scratch = await createScratchDatabase(postgresUrl as string);
    // Long enough that a query that is merely slow on a loaded machine finishes, far shorter than the test's limits.
    database = await openDatabase({ url: scratch.url, maxConnections: 5, timeouts: { statementMs: 3_000, idleInTransactionMs: 120_000 } });
    // The direct path's deadline (REMOTE_TIMEOUT_MS) above the statement timeout, so the database answers first.
    host = await startTestHost({ database, modules: [catalogModule], env: { REMOTE_TIMEOUT_MS: '60000' } });
    locker = postgres(scratch.url, { max: 1, onnotice: () => {} });
  }, 120_000);
  afterAll(async () => {
    release?.();
    await held;
    await locker?.end();
    await host?.stop();
    await database?.close();
    await scratch?.drop();
  });

  /** Takes an exclusive lock on catalog.products in another session and keeps it until `release()`. */
  async function lockProducts(): Promise<void> {
    let locked!: () => void;
    const taken = new Promise<void>((resolve) => (locked = resolve));
    const freed = new Promise<void>((resolve) => (release = resolve));
    held = locker.begin(async (tx) => {
      await tx`lock table catalog.products in access exclusive mode`;
      locked();
      await freed;
    });
    await taken;
  }

  const product = (sku: string) => ({ sku, name: 'Lamp', price: { amount: 3900, currency: 'EUR' } });

  it('answers 503 db/unavailable with Retry-After while the lock is held, over HTTP and directly, and keeps no key', async () => {
    await lockProducts();
    const key = randomUUID();
    const paths = {
      http: await call(host, 'GET', '/catalog/v1/products'),
      direct: await directCall(host, 'ordering', 'GET', '/catalog/v1/products'),
      create: await call(host, 'POST', '/catalog/v1/products', product('LAMP-BUSY'), { 'idempotency-key': key }),
    };
    for (const [name, response] of Object.entries(paths)) {
      expect(response.status, name).toBe(503);
      expect(response.headers.get('retry-after'), name).toBe('1');
      const body = (await response.json()) as { code: string; detail: string };
      expect(body.code, name).toBe('db/unavailable');
      expect(body.detail, name).toMatch(/statement_timeout/);
      // The server's own message names the table; the client is told the reason, not the statement.
      expect(body.detail, name).not.toMatch(/catalog\.products|select|insert/i);
    }
    release?.();
    await held;
    expect((await call(host, 'GET', '/catalog/v1/products')).status).toBe(200);
    const retried = await call(host, 'POST', '/catalog/v1/products', product('LAMP-BUSY'), { 'idempotency-key': key });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
  });
});
