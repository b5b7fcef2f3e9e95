import { fillCart, signUpCustomer, webClientReady, type Customer, type PlacedOrder, type ReadyCart, type Send } from '../../shop/support/customer.ts';
import { stockedProduct, type Product } from '../../shop/support/products.ts';
import { reconcile, type Reconciliation, type StockBefore } from '../../shop/support/reconcile.ts';
import { summarizeLogs } from '../logs.ts';
import { seededRandom, type Random } from '../random.ts';
import { paces, startKillLoop, type Kill, type KillLoop, type KillPace } from '../schedule.ts';
import { shopTargets, startShopChaos, type ShopTarget } from './shop-topology.ts';

export interface CheckoutChaosOptions {
  seed: number;
  postgresUrl: string;
  /** Customers checking out side by side. */
  customers: number;
  /** How long they keep checking out while the schedule kills. */
  loadMs: number;
  keepLogs: boolean;
  log: (line: string) => void;
}

export interface CheckoutChaosReport {
  seed: number;
  durationMs: number;
  loadMs: number;
  /** From the end of the kills until the checker's verdict. */
  settleMs: number;
  orders: number;
  /** Requests of the checkouts sent again after a failure (a killed host, a gateway without payments). */
  retries: number;
  kills: Kill[];
  killsPerTarget: Record<ShopTarget, number>;
  reconciliation: Reconciliation;
  logDir: string;
  logSummary: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pace: Record<ShopTarget, KillPace> = { monolith: paces.monolith, redis: paces.redis, payments: { gap: [6_000, 15_000], down: [500, 3_000] } };

/** Keeps trying `fn` (a killed host, Redis down) until `deadline`; counts the retries. */
async function persist<T>(fn: () => Promise<T>, deadline: number, retried: () => void): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      retried();
      await sleep(500);
    }
  }
}

/** One customer's checkouts until `until`: random baskets, each checkout carried through restarts (same cart, same key). */
async function shopper(send: Send, customer: Customer, products: Product[], random: Random, until: number, deadline: number, retried: () => void) {
  const placed: PlacedOrder[] = [];
  while (Date.now() < until) {
    const picked = new Set([random.pick(products), ...(random.next() < 0.4 ? [random.pick(products)] : [])]);
    const lines = [...picked].map((p) => ({ productId: p.id, quantity: random.between(1, 2) }));
    let cart: ReadyCart | undefined;
    placed.push(
      await persist(
        async () => {
          cart ??= await fillCart(send, customer, lines);
          return cart.submit();
        },
        deadline,
        retried,
      ),
    );
    await sleep(random.between(200, 1500));
  }
  return placed;
}

/**
 * The checkout chaos run: the split shop (payments extracted) and a private Redis with AOF always; customers check out
 * for `loadMs` while the seeded schedule SIGKILLs the monolith, payments and Redis and restarts each; then every kill
 * stops and the reconciliation checker verifies every order terminal, stock, payments, the ledger and one message per
 * order. Cleans up whatever happens; the processes' logs are kept when the run fails.
 */
export async function runCheckoutChaos(options: CheckoutChaosOptions): Promise<CheckoutChaosReport> {
  const { log } = options;
  const started = Date.now();
  const at = () => `+${((Date.now() - started) / 1000).toFixed(1)}s`;
  const random = seededRandom(options.seed).fork('checkout');
  const topology = await startShopChaos(options.postgresUrl);
  const { members, send, admin } = topology;
  log(`${at()} shop up (logs in ${topology.logDir})`);
  const loops: KillLoop[] = [];
  let passed = false;
  try {
    // Products and customers before the first kill: the reconciliation counts from this stock.
    await webClientReady(send);
    const products = await Promise.all([
      stockedProduct(admin, 1000, 1250),
      stockedProduct(admin, 1000, 700),
      stockedProduct(admin, 1000, 2999),
      // Declined by the simulated provider (minor units ending in 13), when bought alone and once.
      stockedProduct(admin, 1000, 1013),
      // Scarce: later checkouts of it are rejected for want of stock.
      stockedProduct(admin, 6, 450),
    ]);
    const before: StockBefore[] = products.map((p) => p.before);
    const customers = await Promise.all(Array.from({ length: options.customers }, () => signUpCustomer(send)));
    log(`${at()} ${products.length} products, ${customers.length} customers; checkouts and kills start`);

    const loadStarted = Date.now();
    const kills: Kill[] = [];
    const record = (kill: Kill) => {
      kills.push(kill);
      log(`${at()} SIGKILL ${kill.target}, restarted after ${(kill.downMs / 1000).toFixed(1)} s`);
    };
    for (const target of shopTargets) loops.push(startKillLoop(members[target], random.fork(target), pace[target], loadStarted, record));
    let retries = 0;
    const until = loadStarted + options.loadMs;
    const placed = await Promise.all(
      customers.map((c, i) => shopper(send, c, products, random.fork(`customer-${i}`), until, until + 180_000, () => (retries += 1))),
    );
    const orders = placed.flat();
    const loadMs = Date.now() - loadStarted;
    log(`${at()} load done: ${orders.length} orders placed, ${retries} requests retried; stopping the kills`);
    await Promise.all(loops.splice(0).map((l) => l.stop()));

    const settled = Date.now();
    const reconciliation = await reconcile(send, admin, orders, before, { deadlineMs: 300_000 });
    log(`${at()} reconciled: ${reconciliation.completed} completed, ${reconciliation.rejected} rejected, ${reconciliation.problems.length} problems`);
    const report: CheckoutChaosReport = {
      seed: options.seed,
      durationMs: Date.now() - started,
      loadMs,
      settleMs: Date.now() - settled,
      orders: orders.length,
      retries,
      kills,
      killsPerTarget: Object.fromEntries(shopTargets.map((t) => [t, members[t].kills])) as Record<ShopTarget, number>,
      reconciliation,
      logDir: topology.logDir,
      logSummary: [],
    };
    await Promise.allSettled(Object.values(members).map((m) => m.kill()));
    report.logSummary = await summarizeLogs(topology.logDir);
    passed = reconciliation.problems.length === 0;
    return report;
  } finally {
    await Promise.allSettled(loops.map((l) => l.stop()));
    await topology.close(!passed || options.keepLogs);
  }
}
