/**
 * Module call overhead (DESIGN.md §10): reading a product's stock through inventory's typed client, in-process (the
 * request runs through the host's app, validation included, no socket) and over loopback HTTP to a separate process,
 * against calling the use case directly. One run; reports latency per call and the overhead of each step.
 * Settings: BENCH_CALLS (default 3000 per variant), BENCH_WARMUP_CALLS (default 500).
 */
import process from 'node:process';
import { pino } from 'pino';
import { modules } from '../apps/modules.ts';
import { inventoryContract } from '../modules/inventory/index.ts';
import { getStock } from '../modules/inventory/application/get-stock.ts';
import { loadConfig } from '../platform/config/index.ts';
import { createClient, createHttpTransport } from '../platform/contracts/index.ts';
import { createHost } from '../platform/host/index.ts';
import { createLogger } from '../platform/observability/index.ts';
import { startProcessHost } from '../tests/support/process-host.ts';

const calls = Number(process.env.BENCH_CALLS ?? 3000);
const warmup = Number(process.env.BENCH_WARMUP_CALLS ?? 500);
if (!Number.isInteger(calls) || calls < 100 || !Number.isInteger(warmup) || warmup < 0) {
  process.stderr.write('BENCH_CALLS must be a whole number ≥ 100 and BENCH_WARMUP_CALLS ≥ 0\n');
  process.exit(2);
}

async function measure(name: string, call: () => Promise<unknown>): Promise<{ name: string; p50: number; p99: number; mean: number }> {
  for (let i = 0; i < warmup; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await call();
    times.push((performance.now() - started) * 1000);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] as number;
  return { name, p50: at(0.5), p99: at(0.99), mean: times.reduce((a, b) => a + b, 0) / times.length };
}

async function productWithStock(call: (method: string, path: string, body?: unknown) => Promise<Response>): Promise<string> {
  const created = await call('POST', '/catalog/v1/products', { sku: `BENCH-${Date.now()}`, name: 'Bench', price: { amount: 1, currency: 'EUR' } });
  const { id } = (await created.json()) as { id: string };
  for (let i = 0; i < 200; i++) {
    if ((await call('GET', `/inventory/v1/stock/${id}`)).status === 200) return id;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('stock item did not appear');
}

const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', LOG_FORMAT: 'json', DATA_DIR: 'memory', DEMO_DATA: 'false' });
const logger = createLogger({ ...config.log, destination: pino.destination({ dest: '/dev/null', sync: false }) });
const host = await createHost({ config, modules, logger });
const local = (method: string, path: string, body?: unknown) =>
  Promise.resolve(
    host.app.request(path, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
  );
const localId = await productWithStock(local);
const inventoryDb = host.modules.find((m) => m.definition.name === 'inventory')?.context.db;
if (!inventoryDb) throw new Error('inventory not hosted');

const remoteHost = await startProcessHost({ env: { MODULES: 'catalog,inventory' } });
try {
  const remoteId = await productWithStock((method, path, body) =>
    fetch(`${remoteHost.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  const inProcess = createClient(inventoryContract, (_module, request) => Promise.resolve(host.app.fetch(request)), 'bench');
  const overHttp = createClient(inventoryContract, createHttpTransport({ resolve: () => remoteHost.url, log: logger }), 'bench');

  const results = [
    await measure('direct use case call', () => getStock({ db: inventoryDb }, localId)),
    await measure('typed client, in-process', () => inProcess.getStock({ params: { productId: localId } })),
    await measure('typed client, HTTP over loopback', () => overHttp.getStock({ params: { productId: remoteId } })),
  ];
  const [direct, viaApp, viaHttp] = results as [(typeof results)[0], (typeof results)[0], (typeof results)[0]];
  const f = (n: number) => n.toFixed(1).padStart(8);
  process.stdout.write(`\nModule calls: ${calls} sequential calls per variant after ${warmup} warm-up, Node ${process.version}\n\n`);
  process.stdout.write(`variant                              p50 µs   p99 µs  mean µs\n`);
  for (const r of results) process.stdout.write(`${r.name.padEnd(34)} ${f(r.p50)} ${f(r.p99)} ${f(r.mean)}\n`);
  const inProcessOverhead = viaApp.p50 - direct.p50;
  const httpAdded = viaHttp.p50 - viaApp.p50;
  process.stdout.write(
    `\nin-process call overhead over a direct call (p50): ${inProcessOverhead.toFixed(1)} µs   budget ≤ 15 µs   ${inProcessOverhead <= 15 ? 'met' : 'NOT met'}\n`,
  );
  process.stdout.write(
    `added by an extracted call over loopback (p50):    ${httpAdded.toFixed(1)} µs   budget ≤ 150 µs  ${httpAdded <= 150 ? 'met' : 'NOT met'}\n`,
  );
} finally {
  await remoteHost.stop();
  await host.stop();
}
process.exit(0);
