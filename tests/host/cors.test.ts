import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { serve, type Host, type RunningServer } from '../../platform/host/index.ts';
import { chromiumArgs, chromiumAvailable, chromiumPath } from '../support/browser.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { startTestHost } from '../support/test-host.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';
import { adminToken } from '../support/tokens.ts';

/** A page server: its origin is the page's origin, on another port than the API (so another origin). */
async function pageServer(host: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://${host}:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe.skipIf(!chromiumAvailable())('CORS from a real browser (headless Chromium)', { timeout: processTestTimeoutMs }, () => {
  let browser: Browser;
  let host: Host;
  let api: RunningServer;
  let allowed: Awaited<ReturnType<typeof pageServer>>;
  let other: Awaited<ReturnType<typeof pageServer>>;
  let db: TestDatabaseHandle;
  // An admin token (every scope) from the host's identity module, which the page scripts send as a client would.
  let token: string;

  beforeAll(async () => {
    allowed = await pageServer('127.0.0.1');
    // Same machine, another host name: another origin, not on the list.
    other = await pageServer('localhost');
    db = await (testDatabases[0] as NonNullable<(typeof testDatabases)[0]>).open();
    host = await startTestHost({ database: db, modules, env: { CORS_ORIGINS: allowed.origin, CORS_CREDENTIALS: 'true' } });
    api = await serve(host, { host: '127.0.0.1', port: 0 });
    token = await adminToken(host, (path, init) => host.app.request(path, init));
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  }, processTestTimeoutMs);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await host?.stop();
    await db?.close();
    await allowed?.close();
    await other?.close();
  });

  /**
   * Runs fetch calls in a page of `origin` against the API (`base`), with `authorization` the header that carries the
   * admin token; a blocked request comes back as `blocked`.
   */
  async function fromPage(origin: string, script: (target: { base: string; authorization: string }) => Promise<unknown>): Promise<unknown> {
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}/`);
      return await page.evaluate(script, { base: api.url, authorization: `Bearer ${token}` });
    } finally {
      await page.close();
    }
  }

  it('an allowed origin passes the preflight of a JSON POST and a PATCH with If-Match and Authorization, and reads answers and problems', async () => {
    const result = await fromPage(allowed.origin, async ({ base, authorization }) => {
      const sku = `CORS-${Math.random().toString(36).slice(2, 8)}`;
      const created = await fetch(`${base}/catalog/v1/products`, {
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID(), authorization },
        body: JSON.stringify({ sku, name: 'Lamp', price: { amount: 100, currency: 'EUR' } }),
      });
      const product = (await created.json()) as { id: string };
      const changed = await fetch(`${base}/catalog/v1/products/${product.id}`, {
        method: 'PATCH',
        credentials: 'include',
        headers: { 'content-type': 'application/json', 'if-match': created.headers.get('etag') ?? '', authorization },
        body: JSON.stringify({ name: 'Desk lamp' }),
      });
      const stale = await fetch(`${base}/catalog/v1/products/${product.id}`, {
        method: 'PATCH',
        credentials: 'include',
        headers: { 'content-type': 'application/json', 'if-match': '"v1"', authorization },
        body: JSON.stringify({ name: 'Again' }),
      });
      return {
        created: created.status,
        etag: created.headers.get('etag'),
        location: created.headers.get('location') !== null,
        changed: changed.status,
        stale: stale.status,
        staleCode: ((await stale.json()) as { code: string }).code,
      };
    });
    expect(result).toEqual({ created: 201, etag: '"v1"', location: true, changed: 200, stale: 412, staleCode: 'catalog/version-mismatch' });
  });

  it('another origin is refused by the browser, for a simple GET and for a preflighted POST', async () => {
    const result = await fromPage(other.origin, async ({ base, authorization }) => {
      const attempt = (init?: RequestInit) =>
        fetch(`${base}/catalog/v1/products`, init).then(
          (r) => r.status,
          () => 'blocked',
        );
      // With a valid token: the browser's refusal, not the missing credential, is what keeps the answer out.
      return [await attempt(), await attempt({ method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: '{}' })];
    });
    expect(result).toEqual(['blocked', 'blocked']);
  });

  it('the preflight answer names exactly the allowed origin, and never another', async () => {
    const preflight = (origin: string) =>
      fetch(`${api.url}/catalog/v1/products`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
    const yes = await preflight(allowed.origin);
    expect(yes.status).toBe(204);
    expect(yes.headers.get('access-control-allow-origin')).toBe(allowed.origin);
    expect(yes.headers.get('access-control-allow-credentials')).toBe('true');
    expect(yes.headers.get('access-control-allow-headers')).toContain('idempotency-key');
    expect(yes.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(yes.headers.get('vary')).toContain('Origin');
    const no = await preflight('https://evil.example');
    expect(no.headers.get('access-control-allow-origin')).toBeNull();
    expect(no.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
