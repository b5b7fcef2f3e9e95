import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import process from 'node:process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCleaveClient, type CleaveClient } from '../../clients/typescript/index.ts';
import { redisUrl } from '../support/databases.ts';
import { freePort, redisPrefix } from '../support/process-host.ts';
import { runTool } from '../support/run-tool.ts';
import { eventually } from '../support/test-host.ts';
import { adminToken, testAdminSecret } from '../support/tokens.ts';
import { podman, podmanOk, productionSecrets, runContainer, type Container } from './podman.ts';
import { nodeVersions } from './setup.ts';

const run = randomBytes(4).toString('hex');
const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const revision = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
/** The grace `podman stop` gives; the host's own drain deadline (SHUTDOWN_TIMEOUT_MS) is shorter. */
const graceSeconds = 30;
const shutdownTimeoutMs = 20_000;
const mb = (bytes: number) => Math.round(bytes / 1e6);

/** The body of a successful call; fails the test with the status and problem otherwise. */
function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) throw new Error(`${result.response.status} ${result.response.url}: ${JSON.stringify(result.error)}`);
  return result.data;
}

/** A client of the API at `url` with every scope, from the identity module behind it (the bootstrap admin client). */
function clientOf(url: string): CleaveClient {
  const owner = {};
  return createCleaveClient(url, { token: () => adminToken(owner, (path, init) => fetch(`${url}${path}`, init)) });
}

/** Create a product, wait for its stock (an event), receive, reserve, refuse a short reservation, release. */
async function journey(api: CleaveClient): Promise<string> {
  const created = await api.POST('/catalog/v1/products', {
    body: { sku: `IMG-${randomUUID().slice(0, 8)}`, name: 'Image journey', price: { amount: 1290, currency: 'EUR' } },
  });
  expect(created.response.status).toBe(201);
  const { id } = ok(created);
  const stock = () => api.GET('/inventory/v1/stock/{productId}', { params: { path: { productId: id } } });
  await eventually(async () => expect((await stock()).response.status).toBe(200), 30_000);
  ok(await api.POST('/inventory/v1/stock/{productId}/receipts', { params: { path: { productId: id } }, body: { quantity: 5 } }));
  const reservationId = randomUUID();
  const reserved = await api.PUT('/inventory/v1/reservations/{reservationId}', { params: { path: { reservationId } }, body: { productId: id, quantity: 4 } });
  expect(reserved.response.status).toBe(201);
  expect(ok(await stock())).toMatchObject({ onHand: 5, reserved: 4, available: 1 });
  const short = await api.PUT('/inventory/v1/reservations/{reservationId}', {
    params: { path: { reservationId: randomUUID() } },
    body: { productId: id, quantity: 2 },
  });
  expect(short.error).toMatchObject({ status: 409, code: 'inventory/insufficient-stock' });
  ok(await api.POST('/inventory/v1/reservations/{reservationId}/release', { params: { path: { reservationId } } }));
  expect(ok(await stock())).toMatchObject({ reserved: 0, available: 5 });
  return id;
}

describe.each(nodeVersions)('the container image on Node %s', (node) => {
  const image = `localhost/cleave:test-${run}-node${node}`;
  const volume = `cleave-test-${run}-node${node}`;
  const containers: Container[] = [];
  const secrets = productionSecrets();
  const production = { ...secrets, IDENTITY_ADMIN_SECRET: testAdminSecret, SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs) };
  let built = { seconds: 0 };

  beforeAll(async () => {
    const started = Date.now();
    // Through `npm run image`, as a developer builds it; `--pull never`: the base comes from podman's store.
    const tool = await runTool(resolve('tools/image/main.ts'), ['--engine', 'podman', '--node', node, '--tag', image, '--pull', 'never']);
    if (tool.status !== 0) throw new Error(`npm run image exited ${tool.status}:\n${(tool.stdout + tool.stderr).slice(-6000)}`);
    built = { seconds: Math.round((Date.now() - started) / 1000) };
    await podmanOk(['volume', 'create', volume]);
  });
  afterAll(async () => {
    for (const c of containers) await c.remove();
    await podman(['volume', 'rm', '--force', volume]);
    // The tag only: the layers stay in podman's store, so the next run's build is mostly cached.
    await podman(['rmi', image]);
  });

  const start = async (name: string, env: Record<string, string>, command?: string[], port?: number) => {
    port ??= await freePort();
    const container = await runContainer({ name: `cleave-test-${run}-node${node}-${name}`, image, port, env, volume, ...(command ? { command } : {}) });
    containers.push(container);
    return container;
  };

  it('is labelled with the version and revision, runs as uid 1000 with a health check, and adds < 150 MB to its base', async () => {
    const inspected = JSON.parse(await podmanOk(['image', 'inspect', image]))[0] as {
      Size: number;
      Labels: Record<string, string>;
      User: string;
      Healthcheck?: { Test: string[] };
      Config: { Entrypoint: string[]; Cmd: string[]; Volumes: Record<string, unknown> };
    };
    const base = JSON.parse(await podmanOk(['image', 'inspect', `docker.io/library/node:${node}-slim`]))[0] as { Size: number };
    process.stdout.write(`  image ${image}: ${mb(inspected.Size)} MB (base ${mb(base.Size)} MB), built in ${built.seconds} s\n`);

    expect(inspected.Labels).toMatchObject({ 'org.opencontainers.image.version': version, 'org.opencontainers.image.revision': revision });
    expect(inspected.Labels['org.opencontainers.image.created']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(inspected.User).toBe('node');
    expect(inspected.Healthcheck?.Test).toEqual(['CMD', 'node', 'dist/apps/healthcheck.js']);
    expect(inspected.Config.Cmd).toEqual(['dist/apps/monolith/main.js']);
    expect(Object.keys(inspected.Config.Volumes)).toEqual(['/data']);
    // Production dependencies and compiled code only: the dev tree alone (tsx, typescript, deno…) is 400 MB more.
    expect(inspected.Size - base.Size).toBeLessThan(150e6);
    const tools = await podman(['run', '--rm', '--entrypoint', 'ls', image, 'node_modules/tsx', 'node_modules/typescript', 'node_modules/vitest']);
    expect(tools.stderr.match(/No such file or directory/g)).toHaveLength(3);
  });

  it('serves the journey through the generated client from a read-only root, as uid 1000, healthy, and stops gracefully on SIGTERM', async () => {
    const monolith = await start('monolith', production);
    await monolith.waitReady();
    const api = clientOf(monolith.url);
    const productId = await journey(api);
    // Files read at run time from the image: the API reference's assets (swagger-ui-dist), the operations page's, and the migrations (the
    // start applied them; /health/ready checks them).
    const asset = await fetch(`${monolith.url}/docs/assets/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    // And the operations page's script, which tsc does not copy.
    const script = await fetch(`${monolith.url}/ops/assets/ops.js`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('textContent');
    expect((await monolith.exec(['id', '-u'])).stdout.trim()).toBe('1000');
    // Nothing may write outside the volume: the root filesystem is read-only and podman added no tmpfs.
    expect((await monolith.exec(['touch', '/app/x'])).stderr).toContain('Read-only file system');
    expect((await monolith.exec(['touch', '/tmp/x'])).stderr).toContain('Read-only file system');
    const health = await podman(['healthcheck', 'run', monolith.name]);
    expect(health.code, health.stdout + health.stderr).toBe(0);
    expect(JSON.parse(await monolith.inspect('{{json .State.Health}}'))).toMatchObject({
      Status: 'healthy',
      Log: [{ ExitCode: 0, Output: '/health/ready: 200' }],
    });

    const stopped = await monolith.stop(graceSeconds);
    process.stdout.write(`  ${monolith.name}: podman stop took ${stopped.elapsedMs} ms, exit code ${stopped.exitCode}\n`);
    // Exit code 0: drained before its own deadline (which exits 1), and well before podman's SIGKILL (137).
    expect(stopped.exitCode).toBe(0);
    expect(stopped.elapsedMs).toBeLessThan(graceSeconds * 1000);
    const logs = await monolith.logs();
    expect(logs).toMatch(/"signal":"SIGTERM","deadlineMs":20000,"msg":"shutting down"/);
    expect(logs).not.toContain('shutdown deadline passed');

    // PGlite kept its data in the volume: a new container on it finds the product.
    const again = await start('monolith-again', production);
    await again.waitReady();
    expect(ok(await clientOf(again.url).GET('/catalog/v1/products/{id}', { params: { path: { id: productId } } }))).toMatchObject({ id: productId });
    expect((await again.stop(graceSeconds)).exitCode).toBe(0);
  });

  it('the health check fails when nothing answers on the port', async () => {
    const broken = await start('unready', production, ['-e', 'setInterval(() => {}, 60_000)']);
    const health = await podman(['healthcheck', 'run', broken.name]);
    expect(health.code).not.toBe(0);
    expect(health.stdout.trim()).toBe('unhealthy');
  });

  // The split topology, on the first Node version: inventory extracted into its own container, same image, its own
  // PGlite; events through Redis.
  if (node !== nodeVersions[0]) return;
  it.skipIf(!redisUrl)('runs inventory extracted from the same image: the journey through the monolith reaches it over HTTP and BullMQ', async () => {
    const [monolithPort, inventoryPort] = [await freePort(), await freePort()];
    const shared = { ...production, REDIS_URL: redisUrl as string, REDIS_PREFIX: redisPrefix() };
    const monolith = await start(
      'split-monolith',
      { ...shared, MODULES: 'catalog,identity', REMOTE_MODULES: `inventory=http://127.0.0.1:${inventoryPort}`, DATA_DIR: 'memory' },
      undefined,
      monolithPort,
    );
    await monolith.waitReady();
    // The module's own secret, from the identity host's key with the operator tool that ships in the image.
    const secret = await monolith.exec(['node', 'dist/apps/module-client-secret.js', 'inventory']);
    expect(secret.code, secret.stderr).toBe(0);
    const { MODULE_CLIENT_KEY: _key, IDENTITY_ADMIN_SECRET: _admin, IDENTITY_KEK: _kek, ...inventoryEnv } = shared;
    const inventory = await start(
      'split-inventory',
      {
        ...inventoryEnv,
        REMOTE_MODULES: `catalog=http://127.0.0.1:${monolithPort},identity=http://127.0.0.1:${monolithPort}`,
        INVENTORY_CLIENT_SECRET: secret.stdout.trim(),
        DATA_DIR: 'memory',
      },
      ['dist/apps/extracted/inventory/main.js'],
      inventoryPort,
    );
    await inventory.waitReady();
    await inventory.waitForLog(/"modules":\["inventory"\]/);
    // The health check reads the same configuration the extracted entry does (less its fixed MODULES).
    expect((await podman(['healthcheck', 'run', inventory.name])).code).toBe(0);

    await journey(clientOf(monolith.url));

    expect((await inventory.stop(graceSeconds)).exitCode).toBe(0);
    expect((await monolith.stop(graceSeconds)).exitCode).toBe(0);
  });
});
