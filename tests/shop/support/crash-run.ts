import { createScratchDatabase } from '../../support/databases.ts';
import { freePort, redisPrefix, startProcessHost, type ProcessHost } from '../../support/process-host.ts';
import { fillCart, signUpCustomer, webClientReady, type PlacedOrder, type Send } from './customer.ts';
import { stockedProduct } from './products.ts';
import { reconcile, type Reconciliation, type StockBefore } from './reconcile.ts';
import { shopBaseEnv } from './topology.ts';

export interface CrashRunOptions {
  /** `FAULT_SAGA_CRASH_AT` of the first life: `checkout:<at>:<step>@<n>`. */
  crashAt: string;
  postgresUrl: string;
  redisUrl: string;
  /** How long the first life may take to reach the point and kill itself. */
  deathDeadlineMs?: number;
}

export interface CrashRunReport {
  crashAt: string;
  /** `SIGKILL` when the process killed itself at the point; `not reached` when it was still alive at the deadline. */
  died: 'SIGKILL' | 'not reached' | string;
  /** Checkouts whose answer the crash cut off, sent again after the restart. */
  resubmitted: number;
  reconciliation: Reconciliation | undefined;
  durationMs: number;
  /** The end of both lives' output, when something went wrong. */
  output: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `fn` again (up to `attempts` times) when it fails: a start slower than its 90 s on a loaded machine, a seed not done. */
async function retried<T>(fn: () => Promise<T>, attempts: number, pauseMs: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await sleep(pauseMs);
    }
  }
}

/**
 * One cell of the checkout crash matrix: the monolith (all six modules, PostgreSQL and BullMQ) started with a crash
 * point, five checkouts placed at once (two that complete, two declined by the provider, one out of stock, so the
 * compensations are crossed too), the process killing itself at the point, then restarted on the same database, Redis
 * prefix and port without the fault; the checkouts cut off are sent again (same Idempotency-Key, same cart) and the
 * reconciliation checker runs over every order.
 */
export async function runCrashPoint(options: CrashRunOptions): Promise<CrashRunReport> {
  const started = Date.now();
  const db = await createScratchDatabase(options.postgresUrl);
  const port = await freePort();
  // Two connections per module pool (six modules): several cells share one PostgreSQL server (100 connections).
  const env = { ...shopBaseEnv, DATABASE_URL: db.url, REDIS_URL: options.redisUrl, REDIS_PREFIX: redisPrefix(), OUTBOX_SWEEP_MS: '300', DB_POOL_MAX: '2' };
  const lives: ProcessHost[] = [];
  let host = await retried(() => startProcessHost({ port, env: { ...env, FAULT_SAGA_CRASH_AT: options.crashAt } }), 2, 1000);
  lives.push(host);
  const send: Send = (path, init) => fetch(`${host.url}${path}`, init);
  const admin: Send = (path, init) => host.fetch(path, init as RequestInit & { headers?: Record<string, string> });
  const report: CrashRunReport = { crashAt: options.crashAt, died: 'not reached', resubmitted: 0, reconciliation: undefined, durationMs: 0, output: '' };
  try {
    await webClientReady(send);
    const [plain, other, declined, scarce] = await Promise.all([
      stockedProduct(admin, 20, 1250),
      stockedProduct(admin, 20, 700),
      // The simulated provider declines every amount whose minor units end in 13.
      stockedProduct(admin, 20, 1013),
      stockedProduct(admin, 1, 500),
    ]);
    const before: StockBefore[] = [plain, other, declined, scarce].map((p) => p.before);
    const baskets = [
      [{ productId: plain.id, quantity: 1 }],
      [
        { productId: plain.id, quantity: 2 },
        { productId: other.id, quantity: 1 },
      ],
      [{ productId: declined.id, quantity: 1 }],
      [{ productId: declined.id, quantity: 1 }],
      [{ productId: scarce.id, quantity: 2 }],
    ];
    // Carts are filled before any checkout, so the crash can only cut off the checkouts themselves.
    const carts = await Promise.all(baskets.map(async (lines) => fillCart(send, await signUpCustomer(send), lines)));
    const cutOff = new Set<number>();
    const placing = carts.map(async (cart, i): Promise<PlacedOrder> => {
      for (;;) {
        try {
          return await cart.submit();
        } catch (error) {
          // The host died before answering (or is not back yet): the same checkout again, once it is.
          if (Date.now() - started > 300_000) throw error;
          cutOff.add(i);
          await sleep(500);
        }
      }
    });
    const exit = await Promise.race([host.exited(), sleep(options.deathDeadlineMs ?? 120_000).then(() => undefined)]);
    report.died = exit === undefined ? 'not reached' : (exit.signal ?? `exit code ${exit.code}`);
    if (exit === undefined) await host.kill();
    host = await retried(() => startProcessHost({ port, env }), 2, 1000);
    lives.push(host);
    const orders = await Promise.all(placing);
    report.resubmitted = cutOff.size;
    report.reconciliation = await reconcile(send, admin, orders, before, { deadlineMs: 240_000 });
    return report;
  } catch (error) {
    // A run that could not play out (a host not starting, setup refused): reported with the processes' output.
    report.died = `run failed: ${(error as Error).message.slice(0, 300)}`;
    return report;
  } finally {
    report.durationMs = Date.now() - started;
    if (report.died !== 'SIGKILL' || (report.reconciliation?.problems.length ?? 1) > 0)
      report.output = lives.map((l, i) => `--- life ${i + 1}\n${l.output().slice(-4000)}`).join('\n');
    for (const life of lives) await life.stop().catch(() => {});
    await db.drop().catch(() => {});
  }
}
