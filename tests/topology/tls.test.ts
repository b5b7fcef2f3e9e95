import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import process from 'node:process';
import { writeFileSync } from 'node:fs';
import { modules } from '../../apps/modules.ts';
import { ConfigError } from '../../platform/config/index.ts';
import { createHttpTransport, tlsFetch } from '../../platform/contracts/index.ts';
import { createHost, type Host } from '../../platform/host/index.ts';
import { startProcessHost, type ProcessHost } from '../support/process-host.ts';
import { call, testConfig, testLogger } from '../support/test-host.ts';
import { createTestPki, opensslAvailable, type TestPki } from '../support/tls-certs.ts';

// Every module elsewhere (the provider hosts them all): the gateway hosts none, so no event crosses between them.
const everyModule = (url: string) => modules.map((m) => `${m.name}=${url}`).join(',');

describe.skipIf(!opensslAvailable())('TLS and mutual TLS between hosts', () => {
  let pki: TestPki;
  let provider: ProcessHost;
  const gateways: Host[] = [];

  /** A host with no modules of its own, forwarding to the provider with these TLS settings. */
  const gateway = async (env: Record<string, string>, lines?: Record<string, unknown>[]) => {
    const host = await createHost({
      config: testConfig({ DATA_DIR: 'memory', REMOTE_MODULES: everyModule(provider.url), REMOTE_RETRIES: '0', REMOTE_TIMEOUT_MS: '10000', ...env }),
      modules,
      logger: testLogger(lines),
    });
    gateways.push(host);
    return host;
  };
  /** The transport alone: one call to the provider's liveness probe with these TLS settings. */
  const probe = (tls: { ca?: string; cert?: string; key?: string }) =>
    createHttpTransport({ resolve: () => provider.url, retries: 0, timeoutMs: 10_000, log: testLogger(), tls }).send('catalog', {
      method: 'GET',
      target: '/health/live',
      headers: {},
    });

  beforeAll(async () => {
    pki = createTestPki();
    provider = await startProcessHost({
      env: { TLS_CERT_FILE: pki.server.cert, TLS_KEY_FILE: pki.server.key, TLS_CLIENT_CA_FILE: pki.ca, TLS_REQUIRE_CLIENT_CERT: 'true' },
    });
  });
  afterAll(async () => {
    for (const host of gateways) await host.stop();
    await provider?.stop();
    pki?.remove();
  });

  it('a host serves HTTPS and a host with the CA and a client certificate calls it: gateway and module transport', async () => {
    expect(provider.url).toMatch(/^https:\/\//);
    const trusted = await gateway({ REMOTE_CA_FILE: pki.ca, REMOTE_CLIENT_CERT_FILE: pki.client.cert, REMOTE_CLIENT_KEY_FILE: pki.client.key });
    // The token comes from the provider's identity module through the gateway; the product is created there.
    const created = await call(trusted, 'POST', '/catalog/v1/products', { sku: 'TLS-1', name: 'Over mutual TLS', price: { amount: 5, currency: 'EUR' } });
    expect(created.status).toBe(201);
    const answer = await probe({ ca: pki.read(pki.ca), cert: pki.read(pki.client.cert), key: pki.read(pki.client.key) });
    expect(answer.status).toBe(200);
  });

  it('a client without a certificate, or with one from another CA, is refused in the handshake', async () => {
    await expect(probe({ ca: pki.read(pki.ca) })).rejects.toMatchObject({ code: 'http/upstream-unavailable' });
    await expect(probe({ ca: pki.read(pki.ca), cert: pki.read(pki.rogueClient.cert), key: pki.read(pki.rogueClient.key) })).rejects.toMatchObject({
      code: 'http/upstream-unavailable',
    });
    const anonymous = await gateway({ REMOTE_CA_FILE: pki.ca });
    const refused = await anonymous.app.request('/catalog/v1/products');
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: 'http/upstream-unavailable' });
  });

  it('a server whose certificate is not signed by a trusted CA is refused', async () => {
    // No REMOTE_CA_FILE: the system's CAs, which never signed the throw-away CA.
    await expect(probe({ cert: pki.read(pki.client.cert), key: pki.read(pki.client.key) })).rejects.toMatchObject({ code: 'http/upstream-unavailable' });
    await expect(probe({ ca: pki.read(pki.rogueCa), cert: pki.read(pki.client.cert), key: pki.read(pki.client.key) })).rejects.toMatchObject({
      code: 'http/upstream-unavailable',
    });
    const lines: Record<string, unknown>[] = [];
    const untrusting = await gateway({ REMOTE_CLIENT_CERT_FILE: pki.client.cert, REMOTE_CLIENT_KEY_FILE: pki.client.key }, lines);
    expect((await untrusting.app.request('/catalog/v1/products')).status).toBe(503);
    // The warning says why: the certificate, not the network (a TLS misconfiguration must not read as an outage).
    expect(lines.find((l) => l.msg === 'request failed upstream')).toMatchObject({
      code: 'http/upstream-unavailable',
      upstream: 'catalog',
      reason: expect.stringMatching(/certificate/i),
    });
  });

  it('a Deno host reaches the mutual-TLS host through Deno.createHttpClient with the CA and its client certificate', async () => {
    const deno = await startProcessHost({
      runtime: 'deno',
      env: {
        REMOTE_MODULES: everyModule(provider.url),
        REMOTE_CA_FILE: pki.ca,
        REMOTE_CLIENT_CERT_FILE: pki.client.cert,
        REMOTE_CLIENT_KEY_FILE: pki.client.key,
        REMOTE_REQUIRE_TLS: 'true',
      },
    });
    try {
      // The token and the product both come from the provider, over the gateway and the module transport.
      const created = await deno.fetch('/catalog/v1/products', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'TLS-DENO-1', name: 'From Deno', price: { amount: 5, currency: 'EUR' } }),
      });
      expect(created.status).toBe(201);
    } finally {
      await deno.stop();
    }
  });

  it("the image's health check presents the client certificate under mutual TLS, and without one says why it cannot ask", async () => {
    const check = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'apps/healthcheck.ts', '/health/live'], {
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          ...process.env,
          NODE_ENV: 'test',
          PORT: new URL(provider.url).port,
          HOST: '127.0.0.1',
          TLS_CERT_FILE: pki.server.cert,
          TLS_KEY_FILE: pki.server.key,
          TLS_CLIENT_CA_FILE: pki.ca,
          ...env,
        },
      });
    const without = check({});
    expect({ status: without.status, stdout: without.stdout }).toEqual({
      status: 1,
      stdout: expect.stringContaining('/health/live: this host requires client certificates (TLS_CLIENT_CA_FILE) and the health check has none'),
    });
    const withCertificate = check({ REMOTE_CLIENT_CERT_FILE: pki.client.cert, REMOTE_CLIENT_KEY_FILE: pki.client.key });
    expect({ status: withCertificate.status, stdout: withCertificate.stdout }).toEqual({ status: 0, stdout: '/health/live: 200\n' });
  });

  it('a plain HTTP client gets no answer from the HTTPS host', async () => {
    await expect(fetch(provider.url.replace('https://', 'http://') + '/health/live')).rejects.toThrow();
  });
});

describe.skipIf(!opensslAvailable())('a Deno host', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki?.remove());

  it('serves HTTPS with Deno.serve from TLS_CERT_FILE and TLS_KEY_FILE', async () => {
    const host = await startProcessHost({ runtime: 'deno', env: { TLS_CERT_FILE: pki.server.cert, TLS_KEY_FILE: pki.server.key } });
    try {
      expect(host.url).toMatch(/^https:\/\//);
      const send = await tlsFetch({ ca: pki.read(pki.ca) });
      expect((await send(`${host.url}/health/live`)).status).toBe(200);
    } finally {
      await host.stop();
    }
  });

  it('refuses to start with mutual TLS, naming denoland/deno#26825 and the alternatives', async () => {
    const started = startProcessHost({
      runtime: 'deno',
      env: { TLS_CERT_FILE: pki.server.cert, TLS_KEY_FILE: pki.server.key, TLS_CLIENT_CA_FILE: pki.ca, TLS_REQUIRE_CLIENT_CERT: 'true' },
    });
    await expect(started).rejects.toThrow(/exited with 1 before it was ready[\s\S]*denoland\/deno#26825[\s\S]*service mesh/);
  });
});

describe.skipIf(!opensslAvailable())('TLS configuration', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki?.remove());

  const problems = (env: Record<string, string>) => {
    try {
      testConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  it('REMOTE_REQUIRE_TLS refuses an http:// remote module at start-up', () => {
    expect(problems({ REMOTE_REQUIRE_TLS: 'true', REMOTE_MODULES: 'catalog=http://10.0.0.7:3000' })).toEqual([
      { variable: 'REMOTE_MODULES', message: 'catalog is at http://10.0.0.7:3000, but REMOTE_REQUIRE_TLS needs https://' },
    ]);
    expect(problems({ REMOTE_REQUIRE_TLS: 'true', REMOTE_MODULES: 'catalog=https://10.0.0.7:3000' })).toEqual([]);
  });

  it('names a half-configured pair, an unreadable file, a file that is not PEM, and mutual TLS without a CA', () => {
    expect(problems({ TLS_CERT_FILE: pki.server.cert })).toEqual([
      { variable: 'TLS_KEY_FILE', message: 'must be set with TLS_CERT_FILE: a certificate and its key go together' },
    ]);
    expect(problems({ REMOTE_CLIENT_KEY_FILE: pki.client.key })).toEqual([
      { variable: 'REMOTE_CLIENT_CERT_FILE', message: 'must be set with REMOTE_CLIENT_KEY_FILE: a certificate and its key go together' },
    ]);
    expect(problems({ REMOTE_CA_FILE: `${pki.dir}/missing.crt` })).toEqual([
      { variable: 'REMOTE_CA_FILE', message: `cannot read ${pki.dir}/missing.crt (ENOENT)` },
    ]);
    expect(problems({ TLS_CERT_FILE: pki.server.key, TLS_KEY_FILE: pki.server.key })).toEqual([
      { variable: 'TLS_CERT_FILE', message: `${pki.server.key} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` },
    ]);
    expect(problems({ TLS_REQUIRE_CLIENT_CERT: 'true' })).toEqual([
      { variable: 'TLS_REQUIRE_CLIENT_CERT', message: 'needs TLS_CLIENT_CA_FILE: the CA client certificates must be signed by' },
    ]);
    expect(problems({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CA_FILE: pki.ca })).toEqual([
      { variable: 'REDIS_CA_FILE', message: 'needs a rediss:// REDIS_URL (the CA verifies a TLS connection)' },
    ]);
  });

  it('parses what it reads: a damaged certificate, an encrypted or damaged key, and a key of another certificate stop start-up naming the setting', () => {
    const file = (name: string, text: string) => {
      writeFileSync(`${pki.dir}/${name}`, text);
      return `${pki.dir}/${name}`;
    };
    const garbage = file('garbage.crt', '-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n');
    const bundle = file('bundle.crt', pki.read(pki.ca) + pki.read(garbage));
    const encrypted = `${pki.dir}/encrypted.key`;
    execFileSync('openssl', ['pkey', '-in', pki.server.key, '-aes256', '-passout', 'pass:secret', '-out', encrypted], { stdio: 'pipe' });
    const damagedKey = file('damaged.key', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    const messages = (env: Record<string, string>) => problems(env).map((p) => `${p.variable}: ${p.message}`);

    expect(messages({ TLS_CERT_FILE: pki.server.cert, TLS_KEY_FILE: pki.server.key, TLS_CLIENT_CA_FILE: garbage })).toEqual([
      expect.stringMatching(new RegExp(`^TLS_CLIENT_CA_FILE: ${garbage} holds a certificate that cannot be read: .+`)),
    ]);
    expect(messages({ REMOTE_CA_FILE: bundle })).toEqual([
      expect.stringMatching(/^REMOTE_CA_FILE: .* holds a certificate that cannot be read \(the 2nd\): .+/),
    ]);
    expect(messages({ TLS_CERT_FILE: pki.server.cert, TLS_KEY_FILE: encrypted })).toEqual([
      expect.stringMatching(/^TLS_KEY_FILE: .* holds an encrypted private key, and there is no passphrase setting/),
    ]);
    expect(messages({ REMOTE_CLIENT_CERT_FILE: pki.client.cert, REMOTE_CLIENT_KEY_FILE: damagedKey })).toEqual([
      expect.stringMatching(/^REMOTE_CLIENT_KEY_FILE: .* holds a private key that cannot be read: .+/),
    ]);
    expect(messages({ TLS_CERT_FILE: pki.server.cert, TLS_KEY_FILE: pki.client.key })).toEqual([
      'TLS_KEY_FILE: is not the private key of the certificate in TLS_CERT_FILE',
    ]);
    expect(messages({ REMOTE_CLIENT_CERT_FILE: pki.client.cert, REMOTE_CLIENT_KEY_FILE: pki.server.key })).toEqual([
      'REMOTE_CLIENT_KEY_FILE: is not the private key of the certificate in REMOTE_CLIENT_CERT_FILE',
    ]);
    // A CA file of several good certificates is fine.
    expect(messages({ REMOTE_CA_FILE: file('two.crt', pki.read(pki.ca) + pki.read(pki.rogueCa)) })).toEqual([]);
  });

  it('reads the files into PEM text; plain HTTP stays the default', () => {
    const config = testConfig({ TLS_CERT_FILE: pki.server.cert, TLS_KEY_FILE: pki.server.key, TLS_CLIENT_CA_FILE: pki.ca, TLS_REQUIRE_CLIENT_CERT: 'true' });
    expect(config.tls.server).toEqual({ cert: pki.read(pki.server.cert), key: pki.read(pki.server.key), clientCa: pki.read(pki.ca) });
    expect(config.identity.issuer).toBe('https://127.0.0.1:3000');
    expect(testConfig().tls).toEqual({
      server: undefined,
      remote: { ca: undefined, cert: undefined, key: undefined, requireTls: false },
      redisCa: undefined,
      databaseCa: undefined,
    });
  });
});
