import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { testLogger } from '../../tests/support/test-host.ts';
import { createApp, type App } from './create-app.ts';
import { ipRanges } from './ip-ranges.ts';
import { memoryRateLimitStore } from './rate-limit-memory.ts';
import { rateLimit } from './rate-limit.ts';
import { contractRoute, jsonContent } from './route.ts';

const signIn = contractRoute({
  method: 'post',
  path: '/things/v1/sign-in',
  access: 'public',
  credentials: { accounts: [{ field: 'username', secret: 'password' }] },
  idempotencyKey: false,
  request: { body: { content: { 'application/x-www-form-urlencoded': { schema: z.object({ username: z.string(), password: z.string() }) } }, required: true } },
  responses: { 200: { description: 'ok', content: jsonContent(z.object({ username: z.string() })) } },
});

/** An app with the rate limiter over the memory store: 3 per IP, 2 per client, 2 per credential key, a minute each. */
function limitedApp(trusted: string[] = []): App {
  const app = createApp({ logger: testLogger(), bodyLimitBytes: 1024 });
  app.use(
    rateLimit({
      store: memoryRateLimitStore(),
      perIp: { name: 'per-ip', points: 3, durationS: 60 },
      perClient: { name: 'per-client', points: 2, durationS: 60 },
      credentials: { name: 'credentials', points: 2, durationS: 60 },
      trustedProxies: ipRanges(trusted),
      exempt: (path) => path.startsWith('/health/'),
      logger: testLogger(),
    }),
  );
  app.get('/things', (c) => c.json({ ok: true }));
  app.get('/health/live', (c) => c.json({ status: 'pass' }));
  app.get('/mine', async (c) => (await c.get('limitClient')?.(c.req.header('x-client') ?? '')) ?? c.json({ ok: true }));
  app.openapi(signIn, (c) => c.json({ username: c.req.valid('form').username }, 200));
  return app;
}

const from = (app: App, peer: string, headers: Record<string, string> = {}, path = '/things') => app.request(path, { headers }, { remoteAddress: peer });
const statuses = (responses: Response[]) => responses.map((r) => r.status);

describe('rate limits', () => {
  it('counts per IP with RateLimit headers, then answers 429 problem+json with Retry-After', async () => {
    const app = limitedApp();
    const first = await from(app, '203.0.113.1');
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"per-ip";q=3;w=60');
    expect(first.headers.get('ratelimit')).toMatch(/^"per-ip";r=2;t=(60|59)$/);
    await from(app, '203.0.113.1');
    await from(app, '203.0.113.1');
    const refused = await from(app, '203.0.113.1');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(50);
    expect(refused.headers.get('ratelimit')).toMatch(/^"per-ip";r=0;t=\d+$/);
    expect(refused.headers.get('ratelimit-policy')).toBe('"per-ip";q=3;w=60');
    expect(refused.headers.get('x-request-id')).toBeTruthy();
    expect(await refused.json()).toMatchObject({ status: 429, code: 'http/too-many-requests', policy: 'per-ip' });
    // Another address has its own budget.
    expect((await from(app, '203.0.113.2')).status).toBe(200);
  });

  it('a spoofed X-Forwarded-For from an untrusted peer gets no fresh budget', async () => {
    const app = limitedApp();
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await from(app, '203.0.113.1', { 'x-forwarded-for': `198.51.100.${i}` }));
    expect(statuses(sent)).toEqual([200, 200, 200, 429, 429]);
  });

  it('through a trusted proxy each client has its own budget, whatever it puts in X-Forwarded-For itself', async () => {
    const app = limitedApp(['10.0.0.0/8']);
    const a = [];
    // Client 203.0.113.1 rotates the value it sends; the proxy appends the real peer, which is what counts.
    for (let i = 0; i < 4; i++) a.push(await from(app, '10.0.0.2', { 'x-forwarded-for': `198.51.100.${i}, 203.0.113.1` }));
    expect(statuses(a)).toEqual([200, 200, 200, 429]);
    expect((await from(app, '10.0.0.2', { 'x-forwarded-for': '203.0.113.2' })).status).toBe(200);
  });

  it('health probes and requests over no socket are not counted per IP', async () => {
    const app = limitedApp();
    for (let i = 0; i < 5; i++) expect((await from(app, '203.0.113.1', {}, '/health/live')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await app.request('/things')).status).toBe(200);
  });

  it('limitClient: each client its budget; the 429 once it is spent, with the policy named', async () => {
    const app = limitedApp();
    const mine = (client: string, peer: string) => from(app, peer, { 'x-client': client }, '/mine');
    expect((await mine('app-1', '203.0.113.1')).status).toBe(200);
    const second = await mine('app-1', '203.0.113.2');
    expect(second.headers.get('ratelimit-policy')).toBe('"per-ip";q=3;w=60, "per-client";q=2;w=60');
    expect(second.headers.get('ratelimit')).toMatch(/^"per-ip";r=2;t=\d+, "per-client";r=0;t=\d+$/);
    const third = await mine('app-1', '203.0.113.3');
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ code: 'http/too-many-requests', policy: 'per-client' });
    expect((await mine('app-2', '203.0.113.3')).status).toBe(200);
  });

  it('limitClient called directly gives undefined while the budget lasts, then the 429 response', async () => {
    const app = limitedApp();
    const seen: (number | undefined)[] = [];
    app.get('/direct', async (c) => {
      const limit = c.get('limitClient');
      if (!limit) throw new Error('no limitClient');
      for (let i = 0; i < 3; i++) seen.push((await limit('svc'))?.status);
      return c.body(null, 204);
    });
    await app.request('/direct');
    expect(seen).toEqual([undefined, undefined, 429]);
  });

  it('credential operations: per account named in the form and per IP, the handler still reading the form', async () => {
    const app = limitedApp();
    const post = (username: string, peer: string) =>
      app.request(
        '/things/v1/sign-in',
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=${username}&password=x` },
        { remoteAddress: peer },
      );
    const ok = await post('ada', '203.0.113.1');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ username: 'ada' });
    expect((await post('ada', '203.0.113.2')).status).toBe(200);
    // Ada's budget is spent, from whatever address.
    const refused = await post('ada', '203.0.113.3');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 'http/too-many-requests', policy: 'credentials' });
    // Another user from a fresh address goes through; the same address then runs out on its own budget.
    expect((await post('bob', '203.0.113.4')).status).toBe(200);
    expect((await post('cyd', '203.0.113.4')).status).toBe(200);
    expect((await post('dee', '203.0.113.4')).status).toBe(429);
  });

  it('an account counts only with its secret; as HTTP Basic user or in the form it is one budget', async () => {
    const app = createApp({ logger: testLogger(), bodyLimitBytes: 1024 });
    app.use(
      rateLimit({
        store: memoryRateLimitStore(),
        perIp: { name: 'per-ip', points: 100, durationS: 60 },
        perClient: { name: 'per-client', points: 100, durationS: 60 },
        credentials: { name: 'credentials', points: 2, durationS: 60 },
        trustedProxies: ipRanges([]),
        logger: testLogger(),
      }),
    );
    const token = contractRoute({
      method: 'post',
      path: '/things/v1/token',
      access: 'public',
      credentials: { accounts: [{ field: 'client_id', secret: 'client_secret', basic: true }] },
      idempotencyKey: false,
      request: {
        body: { content: { 'application/x-www-form-urlencoded': { schema: z.object({ client_id: z.string().optional() }).loose() } }, required: true },
      },
      responses: { 200: { description: 'ok' } },
    });
    app.openapi(token, (c) => c.body(null, 200));
    let peer = 0;
    const post = (body: string, headers: Record<string, string> = {}) =>
      app.request(
        '/things/v1/token',
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body },
        { remoteAddress: `203.0.113.${++peer}` },
      );
    // A public client's id alone (no secret): never spent.
    for (let i = 0; i < 3; i++) expect((await post('client_id=web')).status).toBe(200);
    const basic = `Basic ${btoa('svc:wrong')}`;
    expect((await post('client_id=svc&client_secret=wrong')).status).toBe(200);
    expect((await post('', { authorization: basic })).status).toBe(200);
    expect((await post('client_id=svc&client_secret=wrong')).status).toBe(429);
    expect((await post('', { authorization: basic })).status).toBe(429);
  });
});
