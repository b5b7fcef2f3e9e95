/**
 * `npm run test:kube`: the generated manifests run for real under `podman kube play` (podman 4.3: Pod, Deployment,
 * ConfigMap; probes, preStop and runAsNonRoot ignored, so readiness is polled here). The admin Job's pod provisions
 * the databases and module roles, then the monolith's Deployment + ConfigMap start from the image, answer a journey
 * over HTTP as uid 1000 on a read-only root, and stop within the grace period. Skips, saying why, without podman,
 * the image (CLEAVE_IMAGE, default localhost/cleave:ci), PostgreSQL (TEST_DATABASE_URL) or redis-server.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { modules } from '../../apps/modules.ts';
import { moduleRole } from '../../platform/host/index.ts';
import { parseK8sArgs } from '../../tools/k8s/args.ts';
import { appVersion } from '../../tools/k8s/files.ts';
import { manifestObjects, validateObjects } from '../../tools/k8s/manifests.ts';
import { deployablesOf } from '../../tools/k8s/model.ts';
import { secretsOf, adminDatabaseSecret, moduleDatabaseSecret } from '../../tools/k8s/secrets.ts';
import { postgresUrl } from '../support/databases.ts';
import { freePort } from '../support/process-host.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { tempDir } from '../support/temp-dir.ts';
import { containerOf, createKubeSecret, podman, podmanUnavailable, stateOf } from './podman.ts';

const image = process.env.CLEAVE_IMAGE ?? 'localhost/cleave:ci';
const unavailable =
  podmanUnavailable(image) ??
  (postgresUrl ? undefined : 'TEST_DATABASE_URL is not set (a PostgreSQL the pods reach on the host network)') ??
  (redisServerAvailable() ? undefined : 'redis-server is not installed');
if (unavailable) process.stdout.write(`kube play test skipped: ${unavailable}\n`);

type Json = Record<string, unknown>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = tempDir('kube');
const suffix = randomBytes(4).toString('hex');
const database = `cleave_kube_${suffix}`;

/** Waits until `check` returns a value, or fails with what `diagnose` says once `timeoutMs` has passed. */
async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, diagnose: () => Promise<string>): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000} s:\n${await diagnose()}`);
    await sleep(1000);
  }
}

describe.skipIf(unavailable !== undefined)(`podman kube play of the generated manifests (${image})`, { timeout: 600_000 }, () => {
  let redis: RedisServer | undefined;
  let port = 0;
  const secrets = new Set<string>();
  const files = { job: join(dir, 'admin-job-pod.yaml'), monolith: join(dir, 'monolith.yaml') };
  const { options } = parseK8sArgs(['--all-in-one'], { extracted: [], appVersion: appVersion() });
  // The monolith hosting every module: the journey crosses all three.
  const objects = manifestObjects(modules, { ...options, image });
  validateObjects(objects);
  const [monolith] = deployablesOf(modules, options);
  const logs = (container: string) => podman(['logs', '--tail', '40', container]).then((r) => r.stdout + r.stderr);

  // The bootstrap client's secret: production creates no demo users, so this is how the first token is had.
  const adminSecret = randomBytes(32).toString('base64');

  beforeAll(async () => {
    redis = await startRedisServer();
    port = await freePort();
    const server = new URL(postgresUrl ?? '');
    const passwords = Object.fromEntries(modules.map((m) => [m.name, randomBytes(18).toString('base64url')]));
    const values: Record<string, Record<string, string>> = {
      [adminDatabaseSecret.secret]: { url: postgresUrl ?? '' },
      'cleave-redis': { url: redis.url },
      'cleave-identity': {
        kek: randomBytes(32).toString('base64'),
        'module-client-key': randomBytes(32).toString('base64'),
        'admin-secret': adminSecret,
      },
      'cleave-data-kek': { kek: randomBytes(32).toString('base64') },
      'cleave-ops': { 'session-key': randomBytes(32).toString('base64') },
    };
    for (const m of modules) {
      const url = new URL(`postgres://${server.host}/${database}`);
      url.username = moduleRole(m.name);
      url.password = passwords[m.name] ?? '';
      values[moduleDatabaseSecret(m.name).secret] = { url: url.toString() };
    }
    const needed = new Set(
      [adminDatabaseSecret, ...secretsOf(monolith ?? { name: '', component: 'gateway', modules: [], remote: {}, replicas: 1 })].map((s) => s.secret),
    );
    for (const m of modules) needed.add(moduleDatabaseSecret(m.name).secret);
    for (const name of needed) {
      await createKubeSecret(dir, name, values[name] ?? {});
      secrets.add(name);
    }

    const all = [...objects.values()].flat().map((o) => o.toJSON() as unknown as { kind: string; metadata: { name: string } });
    const pick = <T>(kind: string, name: string): T => {
      const found = all.find((o) => o.kind === kind && o.metadata.name === name);
      if (!found) throw new Error(`no ${kind} ${name} among the manifests`);
      return found as unknown as T;
    };
    const job = pick<{ spec: { template: { spec: Json } } }>('Job', 'cleave-db-provision');
    // A Job is not a kind kube play takes: its pod template runs as a Pod, once.
    writeFileSync(
      files.job,
      stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cleave-db-provision' }, spec: { ...job.spec.template.spec, restartPolicy: 'Never' } }),
    );
    const config = pick<{ data: Record<string, string> }>('ConfigMap', 'monolith-config');
    const deployment = pick<{ spec: { template: { spec: { containers: Json[] } } } }>('Deployment', 'monolith');
    // The host network reaches PostgreSQL and Redis on 127.0.0.1; a free port keeps clear of anything else there.
    // Podman 4.3 refuses port mappings on the host network, where the container's port list is only metadata anyway.
    config.data.PORT = String(port);
    for (const c of deployment.spec.template.spec.containers) delete c.ports;
    writeFileSync(files.monolith, [config, deployment].map((o) => `---\n${stringify(o)}`).join(''));
  });

  afterAll(async () => {
    await podman(['kube', 'down', files.monolith]);
    await podman(['kube', 'down', files.job]);
    for (const name of secrets) await podman(['secret', 'rm', name]);
    await redis?.stop();
    if (!postgresUrl) return;
    const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`drop database if exists ${database} with (force)`);
      // The roles are cluster-wide and other suites use them through SET ROLE: put them back as they were, no login.
      for (const m of modules) await admin.unsafe(`alter role ${moduleRole(m.name)} nologin password null`).catch(() => undefined);
    } finally {
      await admin.end();
    }
  });

  it('the admin Job (as a Pod) creates the database, the module roles and their schemas, and exits 0', async () => {
    const played = await podman(['kube', 'play', '--network', 'host', files.job]);
    expect(played.stderr).not.toContain('Error');
    const container = await containerOf('cleave-db-provision', 'provision');
    const state = await until(
      'the provisioning pod did not finish',
      180_000,
      async () => {
        const s = await stateOf(container);
        return s.status === 'exited' ? s : undefined;
      },
      () => logs(container),
    );
    expect(state.exitCode, await logs(container)).toBe(0);
    const admin = postgres(postgresUrl ?? '', { max: 1, onnotice: () => {} });
    try {
      const roles = await admin`select rolname from pg_roles where rolcanlogin and rolname like 'cleave\\_%' order by rolname`;
      expect(roles.map((r) => r.rolname)).toEqual(expect.arrayContaining(modules.map((m) => moduleRole(m.name))));
    } finally {
      await admin.end();
    }
  });

  it('the monolith Deployment + ConfigMap start, turn ready, answer a journey as uid 1000 on a read-only root, and stop gracefully', async () => {
    const played = await podman(['kube', 'play', '--network', 'host', files.monolith]);
    expect(played.status, played.stderr).toBe(0);
    const container = await containerOf('monolith-pod', 'cleave');
    const base = `http://127.0.0.1:${port}`;
    const ready = await until(
      'the monolith did not turn ready',
      240_000,
      async () => {
        if ((await stateOf(container)).status === 'exited') throw new Error(`the monolith exited:\n${await logs(container)}`);
        const answer = await fetch(`${base}/health/ready`).catch(() => undefined);
        return answer?.status === 200 ? ((await answer.json()) as Json) : undefined;
      },
      () => logs(container),
    );
    expect(ready.status).toBe('pass');

    const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths).some((p) => p.startsWith('/inventory/'))).toBe(true);
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    const signUp = await fetch(`${base}/identity/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `kube-${suffix}`, email: `kube-${suffix}@example.com`, password: `Correct-Horse-${suffix}`, displayName: 'Kube Play' }),
    });
    expect(signUp.status, await signUp.clone().text()).toBe(201);
    const products = await fetch(`${base}/catalog/v1/products`);
    expect(products.status).toBe(200);
    // A fresh deployment's first token, from the Secret alone: the bootstrap client, then an operator route.
    const granted = await fetch(`${base}/identity/v1/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`cleave-admin:${adminSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(granted.status, await granted.clone().text()).toBe(200);
    const { access_token: token } = (await granted.json()) as { access_token: string };
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    expect((await podman(['exec', container, 'id', '-u'])).stdout.trim()).toBe('1000');
    expect((await podman(['exec', container, 'touch', '/app/written'])).status).not.toBe(0);
    expect((await podman(['exec', container, 'touch', '/tmp/written'])).status).toBe(0);

    const pod = container.slice(0, -'-cleave'.length);
    const stopped = await podman(['pod', 'stop', '-t', '30', pod]);
    expect(stopped.status, stopped.stderr).toBe(0);
    expect((await stateOf(container)).exitCode, await logs(container)).toBe(0);
  });
});
