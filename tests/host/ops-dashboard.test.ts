import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { sql } from 'drizzle-orm';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { resultRows } from '../../platform/db/index.ts';
import type { EventEnvelope } from '../../platform/events/index.ts';
import { serve, type Host, type RunningServer } from '../../platform/host/index.ts';
import { demoUsers } from '../../modules/identity/infrastructure/seed.ts';
import { chromiumArgs, chromiumAvailable, chromiumPath } from '../support/browser.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { startTestHost } from '../support/test-host.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';
import { adminToken } from '../support/tokens.ts';

/** Where the test keeps its screenshot (git-ignored): CI can pick it up as an artifact. */
const artifacts = join(import.meta.dirname, '..', '..', 'test-results');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const user = (name: string) => demoUsers.find((u) => u.username === name) as (typeof demoUsers)[number];
const attack = '<script>window.pwned = true</script><img src=x onerror="window.pwned = true">';

describe.skipIf(!chromiumAvailable())('the operations page in headless Chromium', { timeout: processTestTimeoutMs }, () => {
  let browser: Browser;
  let host: Host;
  let server: RunningServer;
  let db: TestDatabaseHandle;
  let base: string;
  let token: string;
  let productRequestId: string;
  let productId: string;

  beforeAll(async () => {
    db = await (testDatabases[0] as NonNullable<(typeof testDatabases)[0]>).open();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // No relays: the product's event stays in the outbox until the test dead-letters it, so its first delivery is
    // the replay from the page. Tracing on, kept in memory, for the page's trace view.
    host = await startTestHost({ database: db, modules, env: { PUBLIC_URL: base }, startRelays: false, spanExporter: new InMemorySpanExporter() });
    // The demo operator and the web client (its redirect URI is this host's /ops/callback).
    await host.seed();
    server = await serve(host, { host: '127.0.0.1', port });
    token = await adminToken(host, (path, init) => host.app.request(path, init));
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });

    const created = await fetch(`${base}/catalog/v1/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify({ sku: `OPS-${Date.now()}`, name: attack, price: { amount: 100, currency: 'EUR' } }),
    });
    expect(created.status).toBe(201);
    productRequestId = created.headers.get('x-request-id') as string;
    productId = ((await created.json()) as { id: string }).id;
    // Its event, as the relay would have sent it, dead-lettered by the inventory consumer.
    const [row] = resultRows<{ envelope: EventEnvelope }>(
      await db.db.execute(
        sql`select envelope from catalog.outbox where name = 'catalog.product-created' and version = 2 and envelope->'payload'->>'productId' = ${productId}`,
      ),
    );
    const inventory = host.modules.find((m) => m.definition.name === 'inventory');
    await inventory?.deadLetters.record('inventory:create-stock-item', (row as { envelope: EventEnvelope }).envelope, new Error(`failed on ${attack}`), 5);
  }, processTestTimeoutMs);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await host?.stop();
    await db?.close();
  });

  /** Opens `/ops` in a fresh browser context and signs in on the identity module's page as `username`. */
  async function signIn(username: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/ops`);
    // Sent to the identity module's sign-in page (authorization code + PKCE).
    expect(new URL(page.url()).pathname).toBe('/identity/v1/authorize');
    expect(new URL(page.url()).searchParams.get('code_challenge_method')).toBe('S256');
    await page.fill('#username', username);
    await page.fill('#password', user(username).password);
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    return { context, page };
  }

  it('signs an operator in, renders the host, shows a hostile payload as text, replays it and discards an orphan', async () => {
    const { context, page } = await signIn('olga');
    try {
      expect(new URL(page.url()).pathname).toBe('/ops');
      await page.waitForSelector('body[data-loaded=true]', { timeout: 60_000 });

      // The session is an HttpOnly, SameSite cookie: the page's scripts cannot read it.
      const session = (await context.cookies()).find((c) => c.name === 'cleave-ops');
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(await page.evaluate(() => document.cookie)).not.toContain('cleave-ops=');

      // The real state of the host: its modules, health checks, the outbox holding undispatched events.
      const modulesText = await page.textContent('[data-testid=modules-table]');
      for (const m of ['catalog', 'identity', 'inventory']) expect(modulesText).toContain(m);
      expect(await page.textContent('[data-testid=health-table]')).toContain('pass');
      const outbox = await page.textContent('[data-testid=outbox-table]');
      expect(outbox).toMatch(/catalog\s*\d+/);
      expect(await page.textContent('[data-testid=costs-table]')).toContain('catalog');
      // The read models with their lag, each with its Rebuild button.
      expect(await page.textContent('[data-testid=projections-table]')).toContain('ordering / order-list');
      expect(await page.locator('[data-testid=rebuild]').count()).toBeGreaterThanOrEqual(2);
      // Retention: what each table keeps, what happens past it, and why the rest is kept.
      const retention = await page.textContent('[data-testid=retention-table]');
      expect(retention).toContain('catalog / outbox');
      expect(retention).toContain('OUTBOX_RETENTION');
      expect(retention).toContain('anonymise customer_id');
      expect(retention).toContain('kept indefinitely');

      // The dead letter, its payload shown as text: no script ran, no element was made of it.
      const payload = await page.textContent('[data-testid=payload]');
      expect(payload).toContain('<script>window.pwned = true</script>');
      expect(await page.locator('#dead-letters script, #dead-letters img').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { pwned?: boolean }).pwned)).toBeUndefined();

      // The trace of the request that created the product, found by its request id.
      await page.fill('#request-id', productRequestId);
      await page.click('#trace-form button[type=submit]');
      await page.waitForSelector('[data-testid=trace-table]');
      expect(await page.textContent('[data-testid=trace-table]')).toContain('POST /catalog/v1/products');

      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'ops-dashboard.png'), fullPage: true });

      // A request that changes something needs the page's CSRF token: the session cookie alone is refused.
      const id = await page.getAttribute('[data-testid=replay]', 'data-id');
      const forged = await page.evaluate(async (path) => {
        const r = await fetch(path, { method: 'POST' });
        return { status: r.status, body: await r.json() };
      }, `/ops/dead-letters/${id}/replay`);
      expect(forged).toMatchObject({ status: 403, body: { code: 'auth/csrf-refused' } });

      // Replayed from the page: the consumer handles the event for the first time and the stock item exists.
      await page.click('[data-testid=replay]');
      await page.waitForFunction((letter) => document.getElementById('replay-status')?.textContent?.includes(`${letter} replayed: handled`), id, {
        timeout: 60_000,
      });
      await page.waitForFunction(() => document.getElementById('dead-letters')?.textContent?.includes('No dead letters waiting'), undefined, {
        timeout: 60_000,
      });
      const stock = await fetch(`${base}/inventory/v1/stock/${productId}`, { headers: { authorization: `Bearer ${token}` } });
      expect(stock.status).toBe(200);
      const pending = await fetch(`${base}/ops/dead-letters`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await pending.json()) as { items: unknown[] }).items).toEqual([]);

      // A letter whose consumer runs nowhere cannot be replayed: discarded from the page, with the reason asked for.
      const inventory = host.modules.find((m) => m.definition.name === 'inventory');
      const [event] = resultRows<{ envelope: EventEnvelope }>(
        await db.db.execute(sql`select envelope from catalog.outbox where name = 'catalog.product-created' and version = 2 limit 1`),
      );
      await inventory?.deadLetters.record('inventory:retired-handler', (event as { envelope: EventEnvelope }).envelope, new Error('no such consumer'), 1);
      await page.reload();
      await page.waitForSelector('[data-testid=discard]', { timeout: 60_000 });
      const orphan = await page.getAttribute('[data-testid=discard]', 'data-id');
      page.once('dialog', (dialog) => void dialog.accept('handler retired'));
      await page.click('[data-testid=discard]');
      await page.waitForFunction((letter) => document.getElementById('replay-status')?.textContent?.includes(`${letter} discarded`), orphan, {
        timeout: 60_000,
      });
      const left = await fetch(`${base}/ops/dead-letters?pending=false`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await left.json()) as { items: { id: string }[] }).items.map((l) => l.id)).not.toContain(orphan);
    } finally {
      await context.close();
    }
  });

  it('sends the strict Content-Security-Policy and refuses the operator routes without a session', async () => {
    const { context, page } = await signIn('olga');
    try {
      const response = await page.request.get(`${base}/ops`);
      const csp = response.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("require-trusted-types-for 'script'");
      expect(csp).not.toContain('unsafe-inline');
    } finally {
      await context.close();
    }
    const anonymous = await fetch(`${base}/ops/overview`);
    expect(anonymous.status).toBe(401);
    const redirected = await fetch(`${base}/ops`, { redirect: 'manual' });
    expect(redirected.status).toBe(303);
    expect(redirected.headers.get('location')).toBe('/ops/sign-in');
  });

  it('keeps refreshing the panels whose reads answer, marks the others stale with the reason, and never stacks reads', async () => {
    const { context, page } = await signIn('olga');
    try {
      await page.waitForSelector('body[data-loaded=true]', { timeout: 60_000 });
      // Dead letters answer 503; projections never answer (a read behind a lock). Everything else is the real host.
      await page.route('**/ops/dead-letters', (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/problem+json',
          body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'the database is busy' }),
        }),
      );
      let inFlight = 0;
      let mostInFlight = 0;
      let reads = 0;
      const isProjections = (url: string) => new URL(url).pathname === '/ops/projections';
      page.on('requestfailed', (request) => {
        if (isProjections(request.url())) inFlight--;
      });
      await page.route('**/ops/projections', () => {
        reads++;
        mostInFlight = Math.max(mostInFlight, ++inFlight);
      });
      const stale = (id: string) => page.locator(`[data-testid=stale-${id}]`);
      await stale('dead-letters').waitFor({ timeout: 60_000 });
      expect(await stale('dead-letters').textContent()).toContain('the database is busy');
      // The letters drawn before stay on the page under the note.
      expect(await page.locator('[data-testid=dead-letters-table]').count()).toBe(1);
      await stale('projections').waitFor({ timeout: 60_000 });
      expect(await stale('projections').textContent()).toMatch(/did not answer within 10 s/);
      // A second hanging read, given up too: the page waited for each before it asked again.
      await expect.poll(() => reads, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
      await expect.poll(() => inFlight, { timeout: 60_000 }).toBe(0);
      expect(mostInFlight).toBe(1);
      // The other panels were drawn by the same refreshes, with no note.
      expect(await stale('modules').count()).toBe(0);
      expect(await stale('retention').count()).toBe(0);
      expect(await page.textContent('#updated')).toMatch(/^Updated .*, except: .*the database is busy/);
      await page.unroute('**/ops/dead-letters');
      await page.unroute('**/ops/projections');
      // Once they answer again, the notes go.
      await expect.poll(() => stale('projections').count(), { timeout: 60_000 }).toBe(0);
      expect(await stale('dead-letters').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('turns away a signed-in user without the operator scope', async () => {
    const { context, page } = await signIn('sam');
    try {
      expect(new URL(page.url()).pathname).toBe('/ops/callback');
      expect(await page.textContent('body')).toContain('does not hold the operator scope');
      expect((await context.cookies()).find((c) => c.name === 'cleave-ops')).toBeUndefined();
    } finally {
      await context.close();
    }
  });
});
