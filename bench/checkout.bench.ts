/**
 * Checkout benchmark (budget in bench/README.md, "checkout saga, split topology / monolith, orders per second ≥ 0.6"): the shop
 * all in one process on PostgreSQL with BullMQ, and split (payments and inventory each in its own process and
 * database, called over HTTP, events through BullMQ), measured in the same run, rounds interleaved. Customers drive
 * the public API as a web client would: cart, line, checkout (202), then follow the order until it is completed. A
 * checkout counts when its order is completed inside the measured window.
 * Settings: BENCH_ROUNDS (2), BENCH_DURATION (20 s measured), BENCH_WARMUP (5 s), BENCH_CUSTOMERS (16 concurrent),
 * BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test; scratch databases are made on its server),
 * BENCH_REDIS_URL (redis://127.0.0.1:6379), PAYMENTS_PROVIDER_LATENCY_MS for the simulated provider (its default).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import process from 'node:process';
import { checkout, followOrder, signUpCustomer, type Customer, type Send } from '../tests/shop/support/customer.ts';
import { stockedProduct, type Product } from '../tests/shop/support/products.ts';
import { startShop, type Shop, type ShopLayout } from '../tests/shop/support/topology.ts';
import { readBenchArgs } from './cli-args.ts';
import { median, positiveNumber } from './support/settings.ts';

readBenchArgs('bench:checkout', 'The checkout benchmark: completed checkouts per second, split topology against the monolith', [
  ['BENCH_ROUNDS', '2', 'rounds, the layouts interleaved'],
  ['BENCH_DURATION', '20', 'seconds measured per layout and round'],
  ['BENCH_WARMUP', '5', 'seconds of load before each measured window'],
  ['BENCH_CUSTOMERS', '16', 'concurrent customers'],
  ['BENCH_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/test', 'scratch databases are created on this server'],
  ['BENCH_REDIS_URL', 'redis://127.0.0.1:6379', 'the BullMQ server; keys under random prefixes, deleted afterwards'],
  ['PAYMENTS_PROVIDER_LATENCY_MS', 'its default', 'latency of the simulated payment provider'],
]);

const rounds = Math.round(positiveNumber('BENCH_ROUNDS', 2));
const durationMs = positiveNumber('BENCH_DURATION', 20) * 1000;
const warmupMs = positiveNumber('BENCH_WARMUP', 5) * 1000;
const concurrency = Math.round(positiveNumber('BENCH_CUSTOMERS', 16));
const servers = {
  postgresUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
};
const layouts: ShopLayout[] = ['monolith', 'split'];
// A whole run may not outlast this: each layout starts, seeds and measures within it.
const deadline = setTimeout(
  () => {
    console.error('checkout bench: over its time limit');
    process.exit(1);
  },
  rounds * layouts.length * (durationMs + warmupMs + 180_000),
);
deadline.unref();

interface Measured {
  layout: ShopLayout;
  round: number;
  completed: number;
  rejected: number;
  perSecond: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  failures: string[];
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number);
};

async function measure(layout: ShopLayout, round: number): Promise<Measured> {
  const shop: Shop = await startShop(layout, { servers });
  try {
    const monolith = shop.processes[0];
    if (!monolith) throw new Error('no monolith');
    const send: Send = (path, init) => fetch(`${shop.entry}${path}`, init);
    const admin: Send = (path, init) => monolith.fetch(path, init as RequestInit & { headers?: Record<string, string> });
    const products: Product[] = [];
    for (let i = 0; i < 8; i++) products.push(await stockedProduct(admin, 1_000_000, 1000 + i * 100));
    const customers: Customer[] = [];
    for (let i = 0; i < concurrency; i++) customers.push(await signUpCustomer(send));
    const start = Date.now();
    const measureFrom = start + warmupMs;
    const measureUntil = measureFrom + durationMs;
    const latencies: number[] = [];
    const failures: string[] = [];
    let completed = 0;
    let rejected = 0;
    await Promise.all(
      customers.map(async (customer, i) => {
        let n = 0;
        while (Date.now() < measureUntil) {
          const product = products[(i + n++) % products.length] as Product;
          const began = Date.now();
          try {
            const order = await checkout(send, customer, [{ productId: product.id, quantity: 1 }]);
            const view = await followOrder(send, order, 60_000);
            const ended = Date.now();
            if (ended < measureFrom || ended > measureUntil) continue;
            if (view.status === 'completed') {
              completed += 1;
              latencies.push(ended - began);
            } else rejected += 1;
          } catch (error) {
            failures.push((error as Error).message);
            if (failures.length > 20) throw error;
          }
        }
      }),
    );
    const ledger = (await (await admin('/payments/v1/ledger')).json()) as { balanced: boolean };
    if (!ledger.balanced) failures.push('the ledger does not balance');
    return {
      layout,
      round,
      completed,
      rejected,
      perSecond: completed / (durationMs / 1000),
      latencyP50Ms: percentile(latencies, 50),
      latencyP95Ms: percentile(latencies, 95),
      failures,
    };
  } finally {
    await shop.stop();
  }
}

const results: Measured[] = [];
for (let round = 1; round <= rounds; round++) {
  const order = round % 2 === 1 ? layouts : [...layouts].reverse();
  for (const layout of order) {
    const m = await measure(layout, round);
    results.push(m);
    console.log(
      `round ${round} ${layout.padEnd(8)} ${m.perSecond.toFixed(1).padStart(6)} checkouts/s  p50 ${m.latencyP50Ms} ms  p95 ${m.latencyP95Ms} ms  (${m.completed} completed, ${m.rejected} rejected, ${m.failures.length} failures)`,
    );
  }
}

const perRound = Array.from({ length: rounds }, (_, i) => {
  const of = (l: ShopLayout) => results.find((r) => r.round === i + 1 && r.layout === l)?.perSecond ?? Number.NaN;
  return of('split') / of('monolith');
});
const ratio = median(perRound);
const summary = layouts.map((l) => {
  const mine = results.filter((r) => r.layout === l);
  return {
    layout: l,
    perSecond: median(mine.map((r) => r.perSecond)),
    latencyP50Ms: median(mine.map((r) => r.latencyP50Ms)),
    latencyP95Ms: median(mine.map((r) => r.latencyP95Ms)),
  };
});
console.log('');
console.table(summary);
console.log(`split / monolith, completed checkouts per second: ${ratio.toFixed(2)} (per round ${perRound.map((r) => r.toFixed(2)).join(', ')}; budget ≥ 0.6)`);
const failures = results.flatMap((r) => r.failures);
for (const f of failures.slice(0, 10)) console.error(`failure: ${f}`);

const date = new Date();
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
const file = relative(process.cwd(), join(dir, `checkout-${date.toISOString().replace(/[:.]/g, '-')}.json`));
writeFileSync(
  file,
  JSON.stringify(
    { bench: 'checkout', date, settings: { rounds, durationMs, warmupMs, concurrency }, machine: { cpus: cpus().length, loadavg: loadavg() }, results, ratio },
    null,
    2,
  ),
);
console.log(`written to ${file}`);
process.exit(failures.length > 0 ? 1 : 0);
