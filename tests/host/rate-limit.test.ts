import { afterAll, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { identityModule } from '../../modules/identity/index.ts';
import { randomUUID } from 'node:crypto';
import { basic, formRequest, identityHost, userToken } from '../../modules/identity/tests/support.ts';
import { developmentModuleClientKey } from '../../platform/config/identity-settings.ts';
import { moduleClientSecret } from '../../platform/security/module-credentials.ts';
import { serve, type Host } from '../../platform/host/index.ts';
import { redisUrl } from '../support/databases.ts';
import { redisPrefix } from '../support/process-host.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { eventually, startTestHost } from '../support/test-host.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';
import { openTestPglite } from '../support/pglite-image.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function host(env: Record<string, string>, only = modules): Promise<Host> {
  const database = await openTestPglite();
  const started = await startTestHost({ database, modules: only, env });
  cleanups.push(
    () => database.close(),
    () => started.stop(),
  );
  return started;
}

async function tokenHost(env: Record<string, string>): Promise<Host> {
  const database = await openTestPglite();
  const started = await identityHost(database, { IDENTITY_PASSWORD_GRANT: 'true', ...env });
  cleanups.push(
    () => database.close(),
    () => started.stop(),
  );
  return started;
}

const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Padded base64 with a bit set that the padding leaves unused: the same bytes to a lenient decoder. */
function strayBits(encoded: string): string[] {
  const data = encoded.replace(/=+$/, '');
  const last = data.at(-1);
  if (data === encoded || last === undefined) return [];
  return [`${data.slice(0, -1)}${base64Alphabet[base64Alphabet.indexOf(last) + 1]}${encoded.slice(data.length)}`];
}

/** A request from `peer`, as the Node adapter would pass the socket's address. */
const from = (h: Host, peer: string, path: string, init: RequestInit = {}) => h.app.request(path, init, { remoteAddress: peer });
const signIn = (h: Host, peer: string, username: string) =>
  from(h, peer, '/identity/v1/token', formRequest({ grant_type: 'password', client_id: 'cleave-web', username, password: `${username}-demo-password` }));
const statuses = (responses: Response[]) => responses.map((r) => r.status);

describe('rate limits on a host (memory store)', () => {
  it(
    'over a real socket: 429 with Retry-After, RateLimit and RateLimit-Policy, a spoofed X-Forwarded-For no help',
    { timeout: processTestTimeoutMs },
    async () => {
      const h = await host({ RATE_LIMIT_PER_IP: '3/60s' });
      const server = await serve(h, { host: '127.0.0.1', port: 0 });
      cleanups.push(() => server.close());
      const answers: Response[] = [];
      for (let i = 0; i < 4; i++) answers.push(await fetch(`${server.url}/catalog/v1/products`, { headers: { 'x-forwarded-for': `198.51.100.${i}` } }));
      expect(statuses(answers)).toEqual([200, 200, 200, 429]);
      expect(answers[0]?.headers.get('ratelimit-policy')).toBe('"per-ip";q=3;w=60');
      expect(answers[0]?.headers.get('ratelimit')).toMatch(/^"per-ip";r=2;t=\d+$/);
      const refused = answers[3] as Response;
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('ratelimit')).toMatch(/^"per-ip";r=0;t=\d+$/);
      expect(await refused.json()).toMatchObject({ status: 429, code: 'http/too-many-requests' });
      // Health probes are never refused.
      expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
    },
  );

  it('the token endpoint: a strict limit per IP and per account tried, the handler still reading the form', async () => {
    const h = await tokenHost({ RATE_LIMIT_TOKEN: '2/60s' });
    const first = await signIn(h, '203.0.113.1', 'alice');
    expect(first.status).toBe(200);
    expect(await first.json()).toHaveProperty('access_token');
    expect(first.headers.get('ratelimit-policy')).toContain('"credentials";q=2;w=60');
    expect((await signIn(h, '203.0.113.2', 'alice')).status).toBe(200);
    // Alice's budget is spent, from any address.
    const refused = await signIn(h, '203.0.113.3', 'alice');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(await refused.json()).toMatchObject({ code: 'http/too-many-requests', policy: 'credentials' });
    // cleave-web is a public client (no secret, shared by its users): not an account tried, so not spent.
    expect(statuses([await signIn(h, '203.0.113.4', 'sam'), await signIn(h, '203.0.113.4', 'olga')])).toEqual([200, 200]);
    // 203.0.113.4's own budget is spent now.
    expect((await signIn(h, '203.0.113.4', 'sam')).status).toBe(429);
  });

  it('an account spent through HTTP Basic stays spent however its base64 is written (padding left off, added, stray bits)', async () => {
    const h = await tokenHost({ RATE_LIMIT_TOKEN: '2/60s' });
    const id = 'module:notifications';
    const secret = moduleClientSecret(developmentModuleClientKey, 'notifications');
    const grant = (peer: string, authorization: string) =>
      from(h, peer, '/identity/v1/token', formRequest({ grant_type: 'client_credentials' }, { authorization }));
    expect(statuses([await grant('203.0.113.1', basic(id, 'wrong')), await grant('203.0.113.2', basic(id, 'wrong'))])).toEqual([401, 401]);
    // The right secret, from a fresh address: the account's budget is spent, whatever the header's spelling.
    const canonical = basic(id, secret).slice('Basic '.length);
    const unpadded = canonical.replace(/=+$/, '');
    const variants = [canonical, `${unpadded}=`, `${canonical}=`, `${canonical}==`, unpadded, ...strayBits(canonical)];
    let peer = 10;
    for (const encoded of variants) {
      const answer = await grant(`203.0.113.${peer++}`, `Basic ${encoded}`);
      // Spent (429), or not read as credentials at all (a 4xx without a token); never a token.
      expect([encoded, answer.status === 429 || (answer.status >= 400 && answer.status < 500)]).toEqual([encoded, true]);
      expect(await answer.json()).not.toHaveProperty('access_token');
    }
    expect((await grant('203.0.113.99', `Basic ${canonical}`)).status).toBe(429);
  });

  it("the token endpoint's refusals answered before it runs (413, a content coding's 415, the per-IP 429) are OAuth errors, never stored", async () => {
    const h = await tokenHost({ RATE_LIMIT_PER_IP: '3/60s', BODY_LIMIT_BYTES: '1024' });
    const post = (init: { body: string; headers?: Record<string, string> }) =>
      from(h, '203.0.113.50', '/identity/v1/token', {
        method: 'POST',
        body: init.body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
      });
    const answers = [
      await post({ body: `grant_type=password&username=${'a'.repeat(2048)}` }),
      await post({ body: 'grant_type=client_credentials', headers: { 'content-encoding': 'gzip' } }),
      await post({ body: 'grant_type=client_credentials' }),
      await post({ body: 'grant_type=client_credentials' }),
    ];
    expect(statuses(answers)).toEqual([413, 415, 401, 429]);
    for (const [answer, error] of [
      [answers[0], 'invalid_request'],
      [answers[1], 'invalid_request'],
      [answers[3], 'temporarily_unavailable'],
    ] as const) {
      expect(answer?.headers.get('cache-control')).toBe('no-store');
      expect(answer?.headers.get('pragma')).toBe('no-cache');
      expect(answer?.headers.get('content-type')).toBe('application/problem+json');
      expect(await answer?.json()).toMatchObject({ error, error_description: expect.any(String), code: expect.any(String) });
    }
    expect(answers[3]?.headers.get('retry-after')).toBeTruthy();
  });

  it("the per-client budget: each user of a public client its own, shared by that user's tokens", async () => {
    const h = await tokenHost({ RATE_LIMIT_PER_CLIENT: '3/60s' });
    const [alice, aliceAgain, sam] = await Promise.all([userToken(h, 'alice'), userToken(h, 'alice'), userToken(h, 'sam')]);
    const me = (token: string) => from(h, '203.0.113.9', '/identity/v1/users/me', { headers: { authorization: `Bearer ${token}` } });
    const first = await me(alice);
    expect(first.headers.get('ratelimit-policy')).toContain('"per-client";q=3;w=60');
    // Alice's two tokens spend one budget.
    expect(statuses([first, await me(aliceAgain), await me(alice), await me(aliceAgain)])).toEqual([200, 200, 200, 429]);
    // Sam signed in through the same public client (cleave-web): his budget is his own.
    expect(statuses([await me(sam), await me(sam), await me(sam), await me(sam)])).toEqual([200, 200, 200, 429]);
  });

  it("a module's calls: not counted per IP once its token is known, and against the per-module budget, not the per-client one", async () => {
    const h = await tokenHost({ RATE_LIMIT_PER_IP: '3/60s', RATE_LIMIT_PER_CLIENT: '2/60s', RATE_LIMIT_PER_MODULE: '5/60s' });
    const granted = await from(
      h,
      '203.0.113.20',
      '/identity/v1/token',
      formRequest(
        { grant_type: 'client_credentials' },
        { authorization: basic('module:notifications', moduleClientSecret(developmentModuleClientKey, 'notifications')) },
      ),
    );
    const token = ((await granted.json()) as { access_token: string }).access_token;
    // The module host's one address, from which every call it makes comes.
    const contact = () => from(h, '198.51.100.7', `/identity/v1/users/${randomUUID()}/contact`, { headers: { authorization: `Bearer ${token}` } });
    const answers: Response[] = [];
    for (let i = 0; i < 6; i++) answers.push(await contact());
    // 404 (no such user) is the module's answer: it got through. The 6th is beyond the per-module budget of 5.
    expect(statuses(answers)).toEqual([404, 404, 404, 404, 404, 429]);
    // The first call, with a token this host had not seen, counted per IP; the others did not.
    expect(answers[0]?.headers.get('ratelimit-policy')).toBe('"per-ip";q=3;w=60, "per-module";q=5;w=60');
    expect(answers[1]?.headers.get('ratelimit-policy')).toBe('"per-module";q=5;w=60');
    expect(await answers[5]?.json()).toMatchObject({ code: 'http/too-many-requests', policy: 'per-module' });
    // The address's per-IP budget is intact for anyone else from it (1 of 3 spent).
    const other = await from(h, '198.51.100.7', '/.well-known/jwks.json');
    expect(other.headers.get('ratelimit')).toMatch(/^"per-ip";r=1;t=\d+$/);
    // A token that is not a module's gets no such pass: a user from that address is counted per IP.
    const alice = await userToken(h, 'alice');
    const asUser = await from(h, '198.51.100.7', '/identity/v1/users/me', { headers: { authorization: `Bearer ${alice}` } });
    expect(asUser.headers.get('ratelimit-policy')).toBe('"per-ip";q=3;w=60, "per-client";q=2;w=60');
  });

  it('RATE_LIMIT=false: no limits and no headers', async () => {
    const h = await host({ RATE_LIMIT: 'false', RATE_LIMIT_PER_IP: '1/60s' }, [identityModule]);
    const answers = [await from(h, '203.0.113.1', '/.well-known/jwks.json'), await from(h, '203.0.113.1', '/.well-known/jwks.json')];
    expect(statuses(answers)).toEqual([200, 200]);
    expect(answers[1]?.headers.has('ratelimit')).toBe(false);
  });
});

describe.skipIf(!redisUrl)('rate limits in Redis', { timeout: processTestTimeoutMs }, () => {
  const redisEnv = (url: string) => ({ REDIS_URL: url, REDIS_PREFIX: redisPrefix(), EVENT_BUS: 'in-process', REGISTRY: 'false' });

  it('two hosts on one Redis share each budget; a spoofed X-Forwarded-For gets no fresh one', async () => {
    const env = { ...redisEnv(redisUrl as string), RATE_LIMIT_PER_IP: '3/60s' };
    const [a, b] = [await host(env, [identityModule]), await host(env, [identityModule])] as [Host, Host];
    const answers: Response[] = [];
    for (const [i, h] of [a, b, a, b, a].entries()) {
      answers.push(await from(h, '203.0.113.7', '/.well-known/jwks.json', { headers: { 'x-forwarded-for': `198.51.100.${i}` } }));
    }
    expect(statuses(answers)).toEqual([200, 200, 200, 429, 429]);
    expect(answers[2]?.headers.get('ratelimit')).toMatch(/^"per-ip";r=0;t=\d+$/);
    expect((await from(b, '203.0.113.8', '/.well-known/jwks.json')).status).toBe(200);
  });

  it.skipIf(!redisServerAvailable())('with Redis down the token endpoint fails closed (503), other routes open', async () => {
    const redis: RedisServer = await startRedisServer();
    cleanups.push(() => redis.stop());
    const h = await tokenHost({ ...redisEnv(redis.url), RATE_LIMIT_TOKEN: '100/60s' });
    expect((await signIn(h, '203.0.113.1', 'alice')).status).toBe(200);
    await redis.stop();
    const closed = await eventually(async () => {
      const answer = await signIn(h, '203.0.113.1', 'alice');
      expect(answer.status).toBe(503);
      return answer;
    }, 15_000);
    expect(closed.headers.get('retry-after')).toBe('5');
    expect(closed.headers.get('content-type')).toBe('application/problem+json');
    expect(await closed.json()).toMatchObject({ code: 'http/rate-limit-unavailable' });
    // An ordinary route goes on unchecked, without RateLimit headers.
    const open = await from(h, '203.0.113.1', '/.well-known/jwks.json');
    expect(open.status).toBe(200);
    expect(open.headers.has('ratelimit')).toBe(false);
    // Readiness says so, as a warning: the host stays in service (every replica shares this Redis).
    const ready = await from(h, '203.0.113.1', '/health/ready');
    expect(ready.status).toBe(200);
    const checks = ((await ready.json()) as { checks: { module: string; name: string; status: string; detail?: string }[] }).checks;
    expect(checks.find((c) => c.module === 'host' && c.name === 'redis')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('Redis does not answer the rate limits: credential operations are refused (503)'),
    });
    // Redis back (empty): the token endpoint counts again.
    await redis.start();
    await eventually(async () => expect((await signIn(h, '203.0.113.1', 'alice')).status).toBe(200), 15_000);
    const back = (await (await from(h, '203.0.113.1', '/health/ready')).json()) as { checks: { module: string; name: string; status: string }[] };
    expect(back.checks.find((c) => c.module === 'host' && c.name === 'redis')).toMatchObject({ status: 'pass' });
  });
});
