/**
 * Module call overhead (budgets in bench/README.md): what a call between modules adds over calling the use case directly, for a
 * trivial route (no I/O, so nothing hides the call's own cost) and for a route that reads PGlite (inventory's
 * getStock), against Moleculer's local call and its TCP transporter on a route of the same shape.
 *
 * The Cleave calls go through the typed client a module's context hands out (the bench module, `bench/module/`, calls
 * its own route and inventory's), so the in-process variant takes whatever path the host gives local providers. The
 * remote variants reach a second process (bench/servers/cleave.ts: every module plus the bench module, logs to
 * /dev/null) through the HTTP transport; a third (bench/servers/node-http.ts, bare node:http) gives the floor of any
 * HTTP call on this machine, and a fourth (bench/peers/fastify.ts) the same call to a server with the full stack's
 * features. Within a round, every variant is warmed up, then the variants take turns in ten blocks of calls (the order
 * rotating by block), so a drift of the machine's speed falls on all of them alike; each variant's figures are medians
 * over the rounds, and "added" is taken against the direct call of the same round.
 * Settings: BENCH_CALLS (default 5000 per variant and round), BENCH_WARMUP_CALLS (default 2000), BENCH_ROUNDS (default 3).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import process from 'node:process';
import { Agent } from 'undici';
import { modules } from '../apps/modules.ts';
import { inventoryContract } from '../modules/inventory/index.ts';
import { getStock } from '../modules/inventory/application/get-stock.ts';
import { loadConfig } from '../platform/config/index.ts';
import { createClient, createHttpTransport } from '../platform/contracts/index.ts';
import { createHost, type Host } from '../platform/host/index.ts';
import type { ModuleCall } from '../platform/contracts/http-send.ts';
import { createLogger, runInContext } from '../platform/observability/index.ts';
import { readBenchArgs } from './cli-args.ts';
import { benchContract, benchModule, sayHello } from './module/index.ts';
import { createBroker, helloService } from './peers/moleculer.ts';
import { adminToken, benchAdminSecret, countedLog, expectedBody, helloPath } from './servers/shared.ts';
import { freePort } from './support/free-port.ts';
import { startServerChild, stopServerChild, type ServerChild } from './support/server-child.ts';
import { median, positiveNumber } from './support/settings.ts';

readBenchArgs('bench:calls', 'The module call benchmark: a call between modules against a direct call and the local and TCP calls of Moleculer', [
  ['BENCH_CALLS', '5000', 'calls per variant and round (at least 100)'],
  ['BENCH_WARMUP_CALLS', '2000', 'warm-up calls per variant and round'],
  ['BENCH_ROUNDS', '3', 'rounds; figures are medians over rounds'],
  ['BENCH_LOADER', 'bundle', 'tsx runs the remote host through tsx instead of an esbuild bundle'],
]);

const calls = Math.round(positiveNumber('BENCH_CALLS', 5000));
const warmup = Math.round(positiveNumber('BENCH_WARMUP_CALLS', 2000));
const rounds = Math.round(positiveNumber('BENCH_ROUNDS', 3));
if (calls < 100) throw new Error('BENCH_CALLS must be at least 100');

interface Variant {
  name: string;
  /** The direct call this variant's overhead is measured against. */
  baseline?: string;
  call: () => Promise<unknown>;
  /** What one call must return; checked once before measuring. */
  expect: (result: unknown) => boolean;
}

interface Measured {
  name: string;
  round: number;
  p50: number;
  p99: number;
  mean: number;
}

/**
 * One round: each variant warmed up, then its calls timed in blocks that take turns with the other variants' (the
 * order rotating by block), so a drift of the machine's speed during the round falls on every variant alike.
 */
async function measureRound(variants: readonly Variant[], round: number): Promise<Measured[]> {
  for (const variant of variants) for (let i = 0; i < warmup; i++) await variant.call();
  const blocks = Math.min(10, Math.floor(calls / 10));
  const times = variants.map(() => new Float64Array(calls));
  for (let block = 0; block < blocks; block++) {
    const from = Math.floor((block * calls) / blocks);
    const to = Math.floor(((block + 1) * calls) / blocks);
    for (let k = 0; k < variants.length; k++) {
      const index = (k + block + round) % variants.length;
      const variant = variants[index] as Variant;
      const mine = times[index] as Float64Array;
      for (let i = from; i < to; i++) {
        const started = performance.now();
        await variant.call();
        mine[i] = (performance.now() - started) * 1000;
      }
    }
  }
  return variants.map((variant, index) => {
    const sorted = (times[index] as Float64Array).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
    return { name: variant.name, round, p50: at(0.5), p99: at(0.99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
  });
}

/** A product with stock, created through the catalog route and tracked by inventory through the event. */
async function productWithStock(call: (method: string, path: string, body?: unknown) => Promise<Response>): Promise<string> {
  const sku = `BENCH-${Date.now()}-${Math.round(Math.random() * 1e6)}`;
  const created = await call('POST', '/catalog/v1/products', { sku, name: 'Bench', price: { amount: 1, currency: 'EUR' } });
  const { id } = (await created.json()) as { id: string };
  for (let i = 0; i < 200; i++) {
    if ((await call('GET', `/inventory/v1/stock/${id}`)).status === 200) return id;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('stock item did not appear');
}

const requestOver = (fetchFn: (path: string, init: RequestInit) => Promise<Response>, token: string) => (method: string, path: string, body?: unknown) =>
  fetchFn(path, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

// Bounded: a stuck call or child must not keep the bench alive. Past this, the bench exits and kills its children.
const deadlineS = 240 + rounds * 11 * ((calls + warmup) / 1000) * 3;
setTimeout(() => {
  process.stderr.write(`calls bench still running after ${deadlineS.toFixed(0)} s; stopping\n`);
  process.exit(1);
}, deadlineS * 1000).unref();

const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'json',
  DATA_DIR: 'memory',
  DEMO_DATA: 'false',
  IDENTITY_ADMIN_SECRET: benchAdminSecret,
  ACCESS_TOKEN_TTL: '1h',
});
const log = countedLog();
const logger = createLogger({ ...config.log, destination: log.destination });
let host: Host | undefined;
let remote: ServerChild | undefined;
let moleculerNode: ServerChild | undefined;
let bare: ServerChild | undefined;
let fastify: ServerChild | undefined;
const caller = createBroker('bench-local');
let tcpCaller: ReturnType<typeof createBroker> | undefined;
const results: Measured[] = [];
let variants: Variant[] = [];
try {
  host = await createHost({ config, modules: [...modules, benchModule], logger });
  const local = host;
  const bench = local.modules.find((m) => m.definition.name === 'bench')?.context;
  const inventoryDb = local.modules.find((m) => m.definition.name === 'inventory')?.context.db;
  if (!bench || !inventoryDb) throw new Error('bench or inventory module not hosted');
  const localFetch = (path: string, init: RequestInit) => Promise.resolve(local.app.request(path, init));
  const localToken = await adminToken(localFetch);
  const localId = await productWithStock(requestOver(localFetch, localToken));
  // The calls run as a module serving a request of a user with every scope (the stock route needs inventory:read).
  const user = await local.security.verifier?.verify(localToken);
  if (!user) throw new Error('the bench host verifies no tokens');

  remote = await startServerChild('remote Cleave host', 'bench/servers/cleave.ts');
  const remoteUrl = `http://127.0.0.1:${remote.port}`;
  const remoteFetch = (path: string, init: RequestInit) => fetch(`${remoteUrl}${path}`, init);
  const remoteToken = await adminToken(remoteFetch);
  const remoteId = await productWithStock(requestOver(remoteFetch, remoteToken));
  // The transport a host builds for a module elsewhere, pointed at the second process, with the bench module as caller;
  // its calls carry a token, as a host's own do (`HostSecurity.withCredentials`).
  const plain = createHttpTransport({ resolve: () => remoteUrl, log: logger.child({ component: 'remote' }) });
  const transport = Object.assign((module: string, request: Request) => plain(module, request), {
    send: (module: string, call: ModuleCall) => plain.send(module, { ...call, headers: { ...call.headers, authorization: `Bearer ${remoteToken}` } }),
  });
  // The floor under the transport's own client: undici's pooled request, nothing around it.
  const pooled = new Agent({ keepAliveTimeout: 4_000 });
  const plainGet = (origin: string) => async () => (await pooled.request({ origin, path: helloPath, method: 'GET' })).body.json();
  // The floor under any HTTP call: the same request to a bare node:http server (no framework, no auth, no log), so
  // the HTTP round trip itself can be set beside Moleculer's TCP link.
  bare = await startServerChild('bare node:http', 'bench/servers/node-http.ts');
  const bareUrl = `http://127.0.0.1:${bare.port}`;
  // And to the Fastify peer of `npm run bench` (the same route with the full stack's features, bench/peers/fastify.ts):
  // what a server with those features costs a call over HTTP.
  fastify = await startServerChild('Fastify peer', 'bench/peers/fastify.ts');
  const fastifyUrl = `http://127.0.0.1:${fastify.port}`;

  caller.createService(helloService);
  await caller.start();
  const ports = { 'bench-provider': await freePort(), 'bench-caller': await freePort() };
  moleculerNode = await startServerChild('Moleculer TCP node', 'bench/peers/moleculer-node.ts', {
    env: {
      BENCH_MOLECULER_PORTS: Object.entries(ports)
        .map(([id, port]) => `${id}=${port}`)
        .join(','),
    },
  });
  tcpCaller = createBroker('bench-caller', ports);
  await tcpCaller.start();
  await tcpCaller.waitForServices(['bench'], 30_000);
  const tcp = tcpCaller;

  const inProcessHello = bench.client(benchContract);
  const inProcessStock = bench.client(inventoryContract);
  const httpHello = createClient(benchContract, transport, 'bench');
  const httpStock = createClient(inventoryContract, transport, 'bench');
  const isHello = (r: unknown) => JSON.stringify(r) === expectedBody;
  const isHelloBody = (r: unknown) => JSON.stringify((r as { body?: unknown }).body) === expectedBody;
  const isStock = (id: string) => (r: unknown) => ((r as { body?: { productId?: string } }).body ?? (r as { productId?: string })).productId === id;
  variants = [
    { name: 'direct call: sayHello()', call: () => sayHello('world'), expect: isHello },
    { name: 'Moleculer local broker.call', baseline: 'direct call: sayHello()', call: () => caller.call('bench.hello', { name: 'world' }), expect: isHello },
    {
      name: 'Cleave typed client, in-process',
      baseline: 'direct call: sayHello()',
      call: () => inProcessHello.hello({ params: { name: 'world' } }),
      expect: isHelloBody,
    },
    { name: 'Moleculer TCP transporter', baseline: 'direct call: sayHello()', call: () => tcp.call('bench.hello', { name: 'world' }), expect: isHello },
    { name: 'Cleave typed client, HTTP', baseline: 'direct call: sayHello()', call: () => httpHello.hello({ params: { name: 'world' } }), expect: isHelloBody },
    {
      name: 'plain fetch (undici), HTTP',
      baseline: 'direct call: sayHello()',
      call: async () => (await fetch(`${remoteUrl}${helloPath}`)).json(),
      expect: isHello,
    },
    {
      name: 'plain undici request, HTTP',
      baseline: 'direct call: sayHello()',
      call: plainGet(remoteUrl),
      expect: isHello,
    },
    {
      name: 'plain undici request, bare node:http',
      baseline: 'direct call: sayHello()',
      call: plainGet(bareUrl),
      expect: isHello,
    },
    {
      name: 'plain undici request, Fastify peer',
      baseline: 'direct call: sayHello()',
      call: plainGet(fastifyUrl),
      expect: isHello,
    },
    { name: 'direct call: getStock() (PGlite)', call: () => getStock({ db: inventoryDb }, localId), expect: isStock(localId) },
    {
      name: 'Cleave typed client, in-process: getStock',
      baseline: 'direct call: getStock() (PGlite)',
      call: () => inProcessStock.getStock({ params: { productId: localId } }),
      expect: isStock(localId),
    },
    {
      name: 'Cleave typed client, HTTP: getStock',
      baseline: 'direct call: getStock() (PGlite)',
      call: () => httpStock.getStock({ params: { productId: remoteId } }),
      expect: isStock(remoteId),
    },
  ];
  for (const v of variants) {
    const result = await runInContext({ correlationId: 'bench-check', principal: user, userToken: localToken }, () => v.call());
    if (!v.expect(result)) throw new Error(`${v.name} answered ${JSON.stringify(result).slice(0, 200)}`);
  }

  process.stdout.write(
    `Module calls: ${calls} sequential calls per variant and round after ${warmup} warm-up, ${rounds} round(s), ` +
      `${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(1)}, Node ${process.version}\n`,
  );
  const context = { correlationId: 'bench', principal: user, userToken: localToken };
  for (let round = 1; round <= rounds; round++) {
    results.push(...(await runInContext(context, () => measureRound(variants, round))));
    process.stdout.write(`  round ${round} done\n`);
  }
} finally {
  await tcpCaller?.stop();
  await caller.stop();
  if (moleculerNode) await stopServerChild(moleculerNode);
  if (remote) await stopServerChild(remote);
  if (bare) await stopServerChild(bare);
  if (fastify) await stopServerChild(fastify);
  await host?.stop();
}

interface Summary {
  name: string;
  baseline: string | undefined;
  p50: number;
  p99: number;
  mean: number;
  addedP50: number | undefined;
  addedP99: number | undefined;
}

const added = (v: Variant, pick: (m: Measured) => number): number | undefined => {
  if (!v.baseline) return undefined;
  const perRound = results
    .filter((r) => r.name === v.name)
    .flatMap((r) => {
      const base = results.find((b) => b.name === v.baseline && b.round === r.round);
      return base ? [pick(r) - pick(base)] : [];
    });
  return median(perRound);
};
const summaries: Summary[] = variants.map((v) => {
  const mine = results.filter((r) => r.name === v.name);
  return {
    name: v.name,
    baseline: v.baseline,
    p50: median(mine.map((m) => m.p50)),
    p99: median(mine.map((m) => m.p99)),
    mean: median(mine.map((m) => m.mean)),
    addedP50: added(v, (m) => m.p50),
    addedP99: added(v, (m) => m.p99),
  };
});

const f = (n: number | undefined, width = 9) => (n === undefined ? '' : n.toFixed(n < 100 ? 2 : 0)).padStart(width);
const nameWidth = Math.max(...summaries.map((s) => s.name.length));
process.stdout.write(`\n${'variant'.padEnd(nameWidth)}    p50 µs    p99 µs   mean µs  +p50 µs  +p99 µs\n`);
for (const s of summaries) process.stdout.write(`${s.name.padEnd(nameWidth)} ${f(s.p50)} ${f(s.p99)} ${f(s.mean)} ${f(s.addedP50, 8)} ${f(s.addedP99, 8)}\n`);

const by = (name: string) => summaries.find((s) => s.name === name);
const lines: { name: string; value: number | undefined; budget: string; met: boolean | undefined }[] = [];
const inProcess = by('Cleave typed client, in-process')?.addedP50;
const molLocal = by('Moleculer local broker.call')?.addedP50;
const http = by('Cleave typed client, HTTP')?.addedP50;
const molTcp = by('Moleculer TCP transporter')?.addedP50;
const fetchAdded = by('plain fetch (undici), HTTP')?.addedP50;
const undiciAdded = by('plain undici request, HTTP')?.addedP50;
const bareAdded = by('plain undici request, bare node:http')?.addedP50;
const fastifyAdded = by('plain undici request, Fastify peer')?.addedP50;
lines.push({
  name: 'in-process call, p50 added over a direct call (µs)',
  value: inProcess,
  budget: '<= 5',
  met: inProcess === undefined ? undefined : inProcess <= 5,
});
if (inProcess !== undefined && molLocal !== undefined && molLocal > 0)
  lines.push({ name: '  … / Moleculer local call, p50 added', value: inProcess / molLocal, budget: 'reference', met: undefined });
if (http !== undefined && molTcp !== undefined && molTcp > 0)
  lines.push({ name: 'HTTP call / Moleculer TCP, p50 added', value: http / molTcp, budget: '<= 1.00', met: http / molTcp <= 1 });
if (http !== undefined && fetchAdded !== undefined)
  lines.push({ name: 'HTTP transport over plain fetch, p50 (µs)', value: http - fetchAdded, budget: 'reference', met: undefined });
if (http !== undefined && undiciAdded !== undefined)
  lines.push({ name: 'HTTP transport over plain undici request, p50 (µs)', value: http - undiciAdded, budget: 'reference', met: undefined });
for (const [name, added] of [
  ['HTTP floor (bare node:http) / Moleculer TCP, p50', bareAdded],
  ['Fastify peer over HTTP / Moleculer TCP, p50', fastifyAdded],
] as const)
  if (added !== undefined && molTcp !== undefined && molTcp > 0) lines.push({ name, value: added / molTcp, budget: 'reference', met: undefined });
process.stdout.write('\n');
for (const l of lines) {
  const verdict = l.met === undefined ? '' : l.met ? 'met' : 'NOT met';
  process.stdout.write(`${l.name.padEnd(52)} ${f(l.value)}   ${l.budget.padEnd(9)} ${verdict}\n`);
}

const date = new Date();
const resultsDir = join(import.meta.dirname, 'results');
mkdirSync(resultsDir, { recursive: true });
const file = relative(process.cwd(), join(resultsDir, `calls-${date.toISOString().replace(/[:.]/g, '-')}.json`));
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform, loadavg: loadavg() };
writeFileSync(
  file,
  `${JSON.stringify({ date: date.toISOString(), machine, settings: { calls, warmup, rounds }, summaries, ratios: lines, rounds: results }, null, 2)}\n`,
);
process.stdout.write(`\nresults written to ${file}\n`);
process.exit(0);
