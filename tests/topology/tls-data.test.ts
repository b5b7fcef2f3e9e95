import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { openDatabase } from '../../platform/db/index.ts';
import { createHost, type Host } from '../../platform/host/index.ts';
import { redisPrefix } from '../support/process-host.ts';
import { postgresServerUnavailable, startPostgresServer, type PostgresServer } from '../support/postgres-server.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { call, eventually, testConfig, testLogger } from '../support/test-host.ts';
import { createTestPki, opensslAvailable, type TestPki } from '../support/tls-certs.ts';

/** Creates a product and waits for inventory to have heard of it: a write and an event delivered. */
async function productReachesInventory(host: Host, sku: string): Promise<void> {
  const created = await call(host, 'POST', '/catalog/v1/products', { sku, name: 'Over TLS', price: { amount: 5, currency: 'EUR' } });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  await eventually(async () => expect((await call(host, 'GET', `/inventory/v1/stock/${id}`)).status).toBe(200), 30_000);
}

describe.skipIf(!opensslAvailable() || !redisServerAvailable())('Redis over TLS (rediss://)', () => {
  let pki: TestPki;
  let redis: RedisServer;
  let host: Host | undefined;

  beforeAll(async () => {
    pki = createTestPki();
    redis = await startRedisServer({ tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca } });
  });
  afterAll(async () => {
    await host?.stop();
    await redis?.stop();
    pki?.remove();
  });

  it('the BullMQ bus, the registry and the rate limits run on a TLS-only Redis verified against REDIS_CA_FILE', async () => {
    expect(redis.url).toMatch(/^rediss:\/\//);
    host = await createHost({
      config: testConfig({ DATA_DIR: 'memory', REDIS_URL: redis.url, REDIS_CA_FILE: pki.ca, REDIS_PREFIX: redisPrefix(), EVENT_BUS: 'bullmq' }),
      modules,
      logger: testLogger(),
    });
    expect(host.busKind).toBe('bullmq');
    await productReachesInventory(host, 'REDISS-1');
    await host.announce('https://127.0.0.1:3443');
    await eventually(async () => {
      const instances = await (host as Host).registry?.instances('catalog');
      expect(instances?.map((i) => i.address)).toEqual(['https://127.0.0.1:3443']);
    });
  });

  it('a Redis client without the CA does not trust the server', async () => {
    const lines: Record<string, unknown>[] = [];
    const untrusting = await createHost({
      config: testConfig({ DATA_DIR: 'memory', REDIS_URL: redis.url, REDIS_PREFIX: redisPrefix(), EVENT_BUS: 'bullmq', RATE_LIMIT: 'false' }),
      modules,
      logger: testLogger(lines),
    }).catch((error: unknown) => error as Error);
    if (untrusting instanceof Error) {
      expect(untrusting.message).toMatch(/certificate|redis/i);
      return;
    }
    try {
      // The host starts (Redis may come later), but nothing it sends to Redis goes through.
      const redisErrors = () => JSON.stringify(lines.filter((l) => /redis|registry/i.test(JSON.stringify(l))));
      await eventually(
        () => expect(redisErrors()).toMatch(/unable to (get|verify) local issuer certificate|self[- ]signed certificate|UNABLE_TO_VERIFY|SELF_SIGNED/i),
        20_000,
      );
    } finally {
      await untrusting.stop();
    }
  });
});

const postgresSkip = !opensslAvailable() ? 'no openssl' : postgresServerUnavailable();

describe.skipIf(postgresSkip !== undefined)(`PostgreSQL over TLS${postgresSkip ? ` (skipped: ${postgresSkip})` : ''}`, () => {
  let pki: TestPki;
  let server: PostgresServer;
  let host: Host | undefined;

  beforeAll(async () => {
    pki = createTestPki();
    server = await startPostgresServer({ tls: { cert: pki.server.cert, key: pki.server.key } });
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
    await server?.stop();
    pki?.remove();
  });

  it('a host on a private TLS-only PostgreSQL, sslmode=verify-full against DATABASE_CA_FILE, works and its sessions are encrypted', async () => {
    host = await createHost({
      config: testConfig({ DATABASE_URL: `${server.url}?sslmode=verify-full`, DATABASE_CA_FILE: pki.ca }),
      modules,
      logger: testLogger(),
    });
    await productReachesInventory(host, 'PGSSL-1');
    const probe = postgres(server.url, { max: 1, onnotice: () => {}, ssl: { ca: pki.read(pki.ca) } });
    try {
      const [row] = await probe<{ ssl: boolean }[]>`select ssl from pg_stat_ssl where pid = pg_backend_pid()`;
      expect(row?.ssl).toBe(true);
    } finally {
      await probe.end();
    }
  });

  it('without the CA the server is not trusted, and without TLS the server refuses the connection', async () => {
    const untrusted = postgres(`${server.url}?sslmode=verify-full`, { max: 1, onnotice: () => {}, connect_timeout: 10 });
    await expect(untrusted`select 1`).rejects.toThrow(/self[- ]signed|unable to (get|verify)|certificate/i);
    await untrusted.end();
    const plain = postgres(server.url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
    await expect(plain`select 1`).rejects.toThrow(/no encryption|pg_hba/);
    await plain.end();
  });

  it('with DATABASE_CA_FILE a certificate that does not name the address connected to is refused', async () => {
    const misnamed = await startPostgresServer({ tls: pki.localhostOnly });
    try {
      const byAddress = await openDatabase({ url: `postgres://postgres@127.0.0.1:${misnamed.port}/postgres`, ca: pki.read(pki.ca), maxConnections: 1 });
      await expect(byAddress.db.execute(sql`select 1`)).rejects.toMatchObject({ cause: { code: 'ERR_TLS_CERT_ALTNAME_INVALID' } });
      await byAddress.close();
      const byName = await openDatabase({ url: `postgres://postgres@localhost:${misnamed.port}/postgres`, ca: pki.read(pki.ca), maxConnections: 1 });
      expect(await byName.db.execute(sql`select 1 as one`)).toEqual([{ one: 1 }]);
      await byName.close();
    } finally {
      await misnamed.stop();
    }
  });
});
