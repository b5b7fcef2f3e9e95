import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { createHost, serve, type Host } from '../../platform/host/index.ts';
import { createSealer, sessionTtlSeconds, type OpsSession } from '../../platform/host/ops-page/session.ts';
import { demoUsers } from '../../modules/identity/infrastructure/seed.ts';
import { redisUrl, testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { redisPrefix } from '../support/process-host.ts';
import { startTestHost, testConfig, testLogger } from '../support/test-host.ts';
import { adminToken } from '../support/tokens.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';

const base = 'http://127.0.0.1:3000';
// The host's key, so a test can open its session cookies and seal one as the host would.
const sessionKey = Buffer.alloc(32, 5);
const olga = demoUsers.find((u) => u.username === 'olga') as (typeof demoUsers)[number];

/** `name=value` of a `Set-Cookie` answer. */
function cookieOf(response: Response, name: string): string | undefined {
  const line = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  return line?.split(';')[0];
}

/**
 * The operations page's session without a browser: the authorization code flow run by hand, refreshes that arrive
 * together, CSRF and origin checks, sealing, and sign-out. Access tokens here live 20 s, inside the page's 30 s
 * refresh margin, so every request with the session refreshes it.
 */
describe('operations page sessions', { timeout: processTestTimeoutMs }, () => {
  let db: TestDatabaseHandle;
  let host: Host;
  let session: string;
  let csrf: string;
  const send = (path: string, init: RequestInit = {}) => host.app.request(`${base}${path}`, init);

  async function signIn(username: string, password: string): Promise<Response> {
    const start = await send('/ops/sign-in');
    expect(start.status).toBe(303);
    // Identity runs in this process: the browser signs in on this origin.
    const authorize = new URL(start.headers.get('location') as string, base);
    expect(start.headers.get('location')).toMatch(/^\/identity\/v1\/authorize\?/);
    const form = new URLSearchParams({ ...Object.fromEntries(authorize.searchParams), username, password });
    const signedIn = await send('/identity/v1/authorize', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    expect(signedIn.status).toBe(303);
    const back = new URL(signedIn.headers.get('location') as string);
    return send(`/ops/callback${back.search}`, { headers: { cookie: cookieOf(start, 'cleave-ops-sign-in') as string } });
  }

  beforeAll(async () => {
    db = await (testDatabases[0] as NonNullable<(typeof testDatabases)[0]>).open();
    host = await startTestHost({ database: db, modules, env: { PUBLIC_URL: base, ACCESS_TOKEN_TTL: '20s', OPS_SESSION_KEY: sessionKey.toString('base64') } });
    await host.seed();
    const callback = await signIn('olga', olga.password);
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe('/ops');
    session = cookieOf(callback, 'cleave-ops') as string;
    const page = await send('/ops', { headers: { cookie: session } });
    expect(page.status).toBe(200);
    session = cookieOf(page, 'cleave-ops') ?? session;
    csrf = /name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1] as string;
    expect(csrf).toMatch(/^[\w-]{43}$/);
  }, processTestTimeoutMs);

  afterAll(async () => {
    await host?.stop();
    await db?.close();
  });

  it('refreshes once for requests that arrive together with the same cookie (a refresh token is single use)', async () => {
    const answers = await Promise.all([1, 2, 3, 4].map(async () => send('/ops/overview', { headers: { cookie: session } })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const renewed = answers.map((a) => cookieOf(a, 'cleave-ops'));
    expect(new Set(renewed).size).toBeGreaterThan(0);
    expect(renewed.every((c) => c !== undefined && c !== session)).toBe(true);
    // The renewed session goes on working (its refresh token is the next of the family, not revoked).
    const next = await send('/ops/overview', { headers: { cookie: renewed[0] as string } });
    expect(next.status).toBe(200);
    // What a session reads is stored by no cache.
    expect(answers.concat(next).map((a) => a.headers.get('cache-control'))).toEqual(Array(5).fill('no-store'));
    session = cookieOf(next, 'cleave-ops') as string;
  });

  it('refuses a change without the CSRF token, or from another origin, and accepts it with both', async () => {
    const path = `/ops/dead-letters/${crypto.randomUUID()}/replay`;
    const without = await send(path, { method: 'POST', headers: { cookie: session } });
    expect(without.status).toBe(403);
    expect(await without.json()).toMatchObject({ code: 'auth/csrf-refused' });
    const elsewhere = await send(path, { method: 'POST', headers: { cookie: session, 'x-csrf-token': csrf, origin: 'https://evil.example' } });
    expect(elsewhere.status).toBe(403);
    const proper = await send(path, { method: 'POST', headers: { cookie: session, 'x-csrf-token': csrf, origin: base } });
    session = cookieOf(proper, 'cleave-ops') ?? session;
    // Past the session check: the dead letter does not exist.
    expect(proper.status).toBe(404);
  });

  it('ignores the cookie outside the operator routes and when it was tampered with', async () => {
    const me = await send('/identity/v1/users/me', { headers: { cookie: session } });
    expect(me.status).toBe(401);
    const [name, value] = session.split('=') as [string, string];
    const flipped = `${value.slice(0, -3)}${value.at(-3) === 'A' ? 'B' : 'A'}${value.slice(-2)}`;
    expect((await send('/ops/overview', { headers: { cookie: `${name}=${flipped}` } })).status).toBe(401);
  });

  it('seals for one purpose: a sign-in cookie never passes for a session, nor one sealed with another key', async () => {
    const key = new Uint8Array(32).fill(7);
    const sealer = createSealer(key);
    const sealed = await sealer.seal('ops-sign-in', { state: 's', verifier: 'v' }, 60);
    expect(await sealer.unseal('ops-sign-in', sealed)).toEqual({ state: 's', verifier: 'v' });
    expect(await sealer.unseal('ops-session', sealed)).toBeUndefined();
    expect(await createSealer(new Uint8Array(32).fill(8)).unseal('ops-sign-in', sealed)).toBeUndefined();
  });

  it('refuses a callback whose state was not issued with the sign-in cookie', async () => {
    const start = await send('/ops/sign-in');
    const forged = await send('/ops/callback?code=abc&state=not-the-state', { headers: { cookie: cookieOf(start, 'cleave-ops-sign-in') as string } });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ code: 'auth/sign-in-failed' });
    expect((await send('/ops/callback?code=abc&state=x')).status).toBe(400);
  });

  it('sends a sign-in begun at another loopback name to the address its redirect URI names (cookies are per host)', async () => {
    const local = await startTestHost({ database: db, modules, env: { PORT: '3999' } });
    try {
      const moved = await local.app.request('http://localhost:3999/ops/sign-in');
      expect(moved.status).toBe(303);
      expect(moved.headers.get('location')).toBe('http://127.0.0.1:3999/ops/sign-in');
      const started = await local.app.request('http://127.0.0.1:3999/ops/sign-in');
      expect(started.headers.get('location')).toMatch(/^\/identity\/v1\/authorize\?/);
      // With PUBLIC_URL (behind a proxy) nothing is redirected by host name.
      expect((await send('/ops/sign-in')).headers.get('location')).toMatch(/^\/identity\/v1\/authorize\?/);
    } finally {
      await local.stop();
    }
  });

  it('ends 12 hours after the sign-in however often it is refreshed: a refresh seals what is left, and past it the operator signs in again', async () => {
    const sealer = createSealer(sessionKey);
    const value = (cookie: string) => cookie.slice(cookie.indexOf('=') + 1);
    const own = cookieOf(await signIn('olga', olga.password), 'cleave-ops') as string;
    const opened = (await sealer.unseal<OpsSession>('ops-session', value(own))) as OpsSession;
    expect(opened.signedInAt).toBeGreaterThan(Date.now() - 600_000);
    // The same session as if signed in 12 hours less 2 minutes ago, its access token due for a refresh.
    const late = { ...opened, signedInAt: Date.now() - sessionTtlSeconds * 1000 + 120_000, accessExpiresAt: 0 };
    const refreshed = await send('/ops/overview', { headers: { cookie: `cleave-ops=${await sealer.seal('ops-session', late, 3600)}` } });
    expect(refreshed.status).toBe(200);
    const line = refreshed.headers.getSetCookie().find((c) => c.startsWith('cleave-ops=')) as string;
    expect(Number(/Max-Age=(\d+)/.exec(line)?.[1])).toBeLessThanOrEqual(120);
    const renewed = (await sealer.unseal<OpsSession>('ops-session', value(line.split(';')[0] as string))) as OpsSession;
    expect(renewed.signedInAt).toBe(late.signedInAt);
    expect(renewed.refreshToken).not.toBe(opened.refreshToken);
    // Past the 12 hours, a cookie that has not expired yet (sealed for longer) is refused, and cleared.
    const over = { ...renewed, signedInAt: Date.now() - sessionTtlSeconds * 1000 - 1000, accessExpiresAt: 0 };
    const refused = await send('/ops/overview', { headers: { cookie: `cleave-ops=${await sealer.seal('ops-session', over, 3600)}` } });
    expect(refused.status).toBe(401);
    expect(refused.headers.getSetCookie().some((c) => c.startsWith('cleave-ops=;'))).toBe(true);
  });

  it('signs out: the cookie is cleared and its refresh token revoked, so the old cookie no longer works', async () => {
    const out = await send('/ops/sign-out', { method: 'POST', headers: { cookie: session, 'x-csrf-token': csrf } });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().some((c) => c.startsWith('cleave-ops=;'))).toBe(true);
    // The cookie sent to sign out: its refresh was shared (and would be handed out again for a minute) before revoking.
    expect((await send('/ops/overview', { headers: { cookie: session } })).status).toBe(401);
  });
});

/**
 * A host whose identity module runs in another process that goes away: the page's session outlives the identity
 * module while its access token lasts, and a sign-in then says the identity module cannot be reached instead of
 * sending the browser to an address that does not answer.
 */
describe.skipIf(!redisUrl)('operations page sessions when the identity module is away (needs TEST_REDIS_URL)', { timeout: processTestTimeoutMs }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('keeps the session while its access token lasts, ends it after, and answers a sign-in 503 while identity is away', async () => {
    const prefix = redisPrefix();
    const env = { DATA_DIR: 'memory', REDIS_URL: redisUrl as string, REDIS_PREFIX: prefix, REGISTRY: 'false' };
    const identity = await createHost({ config: testConfig({ ...env, MODULES: 'catalog,identity' }), modules, logger: testLogger() });
    cleanups.push(() => identity.stop());
    const identityServer = await serve(identity, { host: '127.0.0.1', port: 0 });
    let identityUp = true;
    cleanups.push(async () => void (identityUp && (await identityServer.close())));
    const page = await createHost({
      config: testConfig({
        ...env,
        MODULES: 'inventory',
        REMOTE_MODULES: `catalog=${identityServer.url},identity=${identityServer.url}`,
        OPS_SESSION_KEY: sessionKey.toString('base64'),
        PUBLIC_URL: base,
      }),
      modules,
      logger: testLogger(),
    });
    cleanups.push(() => page.stop());
    const send = (path: string, init: RequestInit = {}) => page.app.request(`${base}${path}`, init);
    const sealer = createSealer(sessionKey);
    const token = await adminToken(identity, (path, init) => identity.app.request(path, init));
    // A session whose access token is within the refresh margin: each request tries to refresh it first.
    const sealed = async (accessExpiresAt: number) =>
      `cleave-ops=${await sealer.seal('ops-session', { subject: 'cleave-admin', accessToken: token, refreshToken: 'r'.repeat(43), accessExpiresAt, csrf: 'c'.repeat(43), signedInAt: Date.now() } satisfies OpsSession, 3600)}`;
    expect((await send('/ops/sign-in')).status).toBe(303);
    // (The token's keys, fetched while identity answers.)
    expect((await send('/ops/overview', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    await identityServer.close();
    identityUp = false;
    const kept = await send('/ops/overview', { headers: { cookie: await sealed(Date.now() + 20_000) } });
    expect(kept.status).toBe(200);
    expect(kept.headers.getSetCookie().some((c) => c.startsWith('cleave-ops=;'))).toBe(false);
    const expired = await send('/ops/overview', { headers: { cookie: await sealed(Date.now() - 1000) } });
    expect(expired.status).toBe(401);
    const signIn = await send('/ops/sign-in');
    expect(signIn.status).toBe(503);
    expect(await signIn.json()).toMatchObject({ code: 'http/upstream-unavailable', detail: 'The identity module cannot be reached to sign in.' });
  });
});
