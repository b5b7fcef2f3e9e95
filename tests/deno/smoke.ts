/**
 * `npm run test:deno`: starts the monolith on Deno 2 (the `deno` npm package, no build step) and walks the journey:
 * create a product, see its stock item appear through `catalog.product-created`, receive and reserve stock, with an
 * admin token from the identity module the monolith hosts. Runs on PGlite, and also on PostgreSQL when
 * TEST_DATABASE_URL is set. Exits non-zero on any failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import postgres from 'postgres';
import { generousRateLimits } from '../support/process-host.ts';
import { adminToken, testAdminSecret } from '../support/tokens.ts';

const deno = join('node_modules', 'deno', 'deno');
const permissions = ['--allow-env', '--allow-read', '--allow-write', '--allow-net', '--allow-sys', '--allow-ffi', '--allow-run'];

/** The monolith on Deno with every module, identity among them, whose bootstrap client the journey takes tokens from. */
function startOnDeno(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: string[] }> {
  const child = spawn(deno, ['run', ...permissions, 'apps/monolith/main.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      LOG_FORMAT: 'json',
      DEMO_DATA: 'false',
      NODE_ENV: 'test',
      MODULES: 'catalog,inventory,identity',
      IDENTITY_ADMIN_SECRET: testAdminSecret,
      ...generousRateLimits,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Deno host not ready within 120 s:\n${output.join('')}`)), 120_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output.push(text);
      const match = /Cleave is (?:ready|serving) at (http:\/\/[^"\s]+)/.exec(text);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Deno host exited with ${code}:\n${output.join('')}`));
    });
  });
}

async function expectStatus(response: Response, status: number, what: string): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status} ${JSON.stringify(body)}`);
  return body;
}

async function journey(url: string): Promise<void> {
  const authorization = `Bearer ${await adminToken({}, (path, init) => fetch(`${url}${path}`, init))}`;
  const get = (path: string) => fetch(`${url}${path}`, { headers: { authorization } });
  const json = (method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const product = await expectStatus(
    await json('POST', '/catalog/v1/products', { sku: `DENO-${randomUUID().slice(0, 8)}`, name: 'Deno mug', price: { amount: 1200, currency: 'EUR' } }),
    201,
    'create product',
  );
  const id = String(product.id);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const stock = await get(`/inventory/v1/stock/${id}`);
    if (stock.status === 200) break;
    await stock.body?.cancel();
    if (Date.now() > deadline) throw new Error('stock item did not appear through catalog.product-created within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  await expectStatus(await json('POST', `/inventory/v1/stock/${id}/receipts`, { quantity: 5 }), 200, 'receive stock');
  await expectStatus(await json('PUT', `/inventory/v1/reservations/${randomUUID()}`, { productId: id, quantity: 3 }), 201, 'reserve 3');
  const refused = await expectStatus(await json('PUT', `/inventory/v1/reservations/${randomUUID()}`, { productId: id, quantity: 3 }), 409, 'reserve 3 more');
  if (refused.code !== 'inventory/insufficient-stock') throw new Error(`unexpected problem ${JSON.stringify(refused)}`);
  const stock = await expectStatus(await get(`/inventory/v1/stock/${id}`), 200, 'read stock');
  if (stock.available !== 2 || stock.reserved !== 3) throw new Error(`unexpected stock ${JSON.stringify(stock)}`);
  await expectStatus(await fetch(`${url}/health/ready`), 200, 'readiness');
  await metrics(url, get);
}

/**
 * `/metrics` on Deno: refused without a token, and with one the core series, with Cleave's own process and event-loop
 * readings (prom-client's default collectors report NaN there) and no value that is not a number.
 */
async function metrics(url: string, get: (path: string) => Promise<Response>): Promise<void> {
  await expectStatus(await fetch(`${url}/metrics`), 401, 'metrics without a token');
  const response = await get('/metrics');
  const text = await response.text();
  if (response.status !== 200) throw new Error(`metrics: expected 200, got ${response.status} ${text}`);
  const expected = [
    'cleave_http_requests_total{module="catalog",operation="POST /catalog/v1/products",status="201"} 1',
    'cleave_http_request_errors_total{module="inventory",operation="PUT /inventory/v1/reservations/{reservationId}",status="409",problem="inventory/insufficient-stock"} 1',
    'cleave_outbox_pending_events{module="catalog"}',
    'cleave_event_deliveries_total{consumer="inventory:create-stock-item",outcome="handled"}',
    'process_cpu_seconds_total ',
    'process_resident_memory_bytes ',
    'nodejs_eventloop_lag_p99_seconds ',
  ];
  const missing = expected.filter((series) => !text.includes(series));
  if (missing.length > 0) throw new Error(`metrics on Deno lack ${missing.join(', ')}:\n${text.slice(0, 3000)}`);
  const notNumbers = text.split('\n').filter((line) => line !== '' && !line.startsWith('#') && !/ (-?[\d.e+-]+|\+Inf)$/.test(line));
  if (notNumbers.length > 0) throw new Error(`metrics on Deno with values that are not numbers: ${notNumbers.join(', ')}`);
}

async function withPostgresDatabase<T>(url: string, run: (databaseUrl: string) => Promise<T>): Promise<T> {
  const name = `cleave_deno_${randomBytes(5).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  try {
    const target = new URL(url);
    target.pathname = `/${name}`;
    return await run(target.toString());
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

const variants: { name: string; run: () => Promise<void> }[] = [
  {
    name: 'Deno on PGlite',
    run: async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'cleave-deno-'));
      try {
        await runVariant({ DATA_DIR: dataDir });
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  },
];
const testDatabaseUrl = process.env.TEST_DATABASE_URL;
if (testDatabaseUrl)
  variants.push({ name: 'Deno on PostgreSQL', run: () => withPostgresDatabase(testDatabaseUrl, (url) => runVariant({ DATABASE_URL: url })) });
else process.stdout.write('TEST_DATABASE_URL is not set: the PostgreSQL variant is skipped.\n');

async function runVariant(env: Record<string, string>): Promise<void> {
  const host = await startOnDeno(env);
  try {
    await journey(host.url);
  } catch (error) {
    process.stderr.write(host.output.join('').slice(-4000));
    throw error;
  } finally {
    host.child.kill('SIGTERM');
    await new Promise((r) => host.child.once('exit', r));
  }
}

let failed = 0;
for (const variant of variants) {
  const started = performance.now();
  try {
    await variant.run();
    process.stdout.write(`  ✓ ${variant.name} (${Math.round(performance.now() - started)} ms)\n`);
  } catch (error) {
    failed++;
    process.stdout.write(`  ✗ ${variant.name}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
process.stdout.write(`${variants.length - failed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
