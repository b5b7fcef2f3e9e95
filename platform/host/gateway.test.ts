import { createServer, request as nodeRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testLogger } from '../../tests/support/test-host.ts';
import { createHttpTransport } from '../contracts/index.ts';
import { createApp, ipRanges } from '../http/index.ts';
import { mountGateway } from './gateway.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  bodyBytes: number;
}

const listen = (server: Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

describe('gateway', () => {
  const seen: Seen[] = [];
  let upstream: Server;
  let upstreamUrl: string;
  const failures: string[] = [];
  const hanging: ServerResponse[] = [];
  const bigSize = 8 * 1024 * 1024;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let bodyBytes = 0;
      req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes });
        // Never answers (until the server closes): the gateway's timeout is the only way out, whatever the timing.
        if (req.url?.startsWith('/things/v1/slow')) return void hanging.push(res);
        if (req.url?.startsWith('/things/v1/big')) {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          const chunk = Buffer.alloc(64 * 1024, 7);
          for (let sent = 0; sent < bigSize; sent += chunk.length) res.write(chunk);
          return void res.end();
        }
        // An upstream with a CORS policy of its own (an extracted host with other CORS_ORIGINS).
        const ownCors = req.url?.includes('own-cors') ? { 'access-control-allow-origin': 'https://elsewhere.example', vary: 'Accept-Encoding' } : {};
        res.writeHead(req.url?.includes('missing') ? 404 : 201, { 'content-type': 'application/json', 'x-upstream': 'yes', ...ownCors });
        res.end(JSON.stringify({ path: req.url, bodyBytes }));
      });
    });
    upstreamUrl = await listen(upstream);
  });
  afterAll(() => {
    for (const res of hanging) res.end('late');
    return new Promise<void>((r) => upstream.close(() => r()));
  });

  /**
   * The timeout only bounds how long the upstream takes to start answering: generous by default, so that moving
   * 10 MiB through a loaded machine never races it; the slow-upstream test passes its own.
   */
  function gatewayApp(resolve: () => string, timeoutMs = 30_000, lines?: Record<string, unknown>[]) {
    const app = createApp({ logger: testLogger(lines), bodyLimitBytes: 16 * 1024 * 1024 });
    mountGateway(app, ['things'], { resolve: async () => resolve(), timeoutMs, onFailure: (m, base) => failures.push(`${m} ${base}`) });
    return app;
  }

  it('forwards method, path, query, headers and body, and returns status, headers and body', async () => {
    const app = gatewayApp(() => upstreamUrl);
    const response = await app.request('/things/v1/items?colour=red&size=2', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-custom': 'kept', 'x-request-id': 'gw-1', host: 'api.example.test' },
      body: JSON.stringify({ a: 1 }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(await response.json()).toEqual({ path: '/things/v1/items?colour=red&size=2', bodyBytes: 7 });
    const request = seen.at(-1);
    expect(request).toMatchObject({ method: 'POST', url: '/things/v1/items?colour=red&size=2' });
    expect(request?.headers).toMatchObject({ 'x-custom': 'kept', 'x-request-id': 'gw-1', 'x-forwarded-host': 'api.example.test', 'x-forwarded-proto': 'http' });
    expect(request?.headers.forwarded).toContain('host="api.example.test"');
  });

  it('drops a client’s own X-Forwarded-For and Forwarded, and appends the socket peer', async () => {
    const app = gatewayApp(() => upstreamUrl);
    const spoofed = { 'x-forwarded-for': '198.51.100.1', forwarded: 'for=198.51.100.1', host: 'api.example.test' };
    await app.request('/things/v1/items', { headers: spoofed }, { remoteAddress: '203.0.113.9' });
    expect(seen.at(-1)?.headers['x-forwarded-for']).toBe('203.0.113.9');
    expect(seen.at(-1)?.headers.forwarded).toBe('for=203.0.113.9;host="api.example.test";proto=http');
    await app.request('/things/v1/items', { headers: spoofed }, { remoteAddress: '2001:db8::1' });
    expect(seen.at(-1)?.headers['x-forwarded-for']).toBe('2001:db8::1');
    expect(seen.at(-1)?.headers.forwarded).toBe('for="[2001:db8::1]";host="api.example.test";proto=http');
    // No socket (in-process): nothing to append, and still nothing of the client's passed on.
    await app.request('/things/v1/items', { headers: spoofed });
    expect(seen.at(-1)?.headers['x-forwarded-for']).toBeUndefined();
    expect(seen.at(-1)?.headers.forwarded).toBe('host="api.example.test";proto=http');
  });

  it('from a trusted proxy, keeps its X-Forwarded-For and Forwarded and appends the proxy', async () => {
    const app = createApp({ logger: testLogger(), bodyLimitBytes: 1024 });
    mountGateway(app, ['things'], { resolve: async () => upstreamUrl, timeoutMs: 30_000, trustedProxies: ipRanges(['10.0.0.0/8']) });
    const headers = { 'x-forwarded-for': '198.51.100.1, 203.0.113.9', forwarded: 'for=203.0.113.9', host: 'api.example.test' };
    await app.request('/things/v1/items', { headers }, { remoteAddress: '10.0.0.2' });
    expect(seen.at(-1)?.headers['x-forwarded-for']).toBe('198.51.100.1, 203.0.113.9, 10.0.0.2');
    expect(seen.at(-1)?.headers.forwarded).toBe('for=203.0.113.9, for=10.0.0.2;host="api.example.test";proto=http');
  });

  it('passes the upstream’s problem responses through unchanged', async () => {
    const response = await gatewayApp(() => upstreamUrl).request('/things/v1/missing');
    expect(response.status).toBe(404);
  });

  it('moves large bodies both ways: the upload read in full first, the download streamed', async () => {
    const app = gatewayApp(() => upstreamUrl);
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const download = await fetch(`${base}/things/v1/big`);
      expect((await download.arrayBuffer()).byteLength).toBe(bigSize);
      const upload = await fetch(`${base}/things/v1/upload`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: `"${'x'.repeat(10 * 1024 * 1024)}"`,
      });
      expect(((await upload.json()) as { bodyBytes: number }).bodyBytes).toBe(10 * 1024 * 1024 + 2);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('a slow upstream gives 504 naming the module, without hanging', async () => {
    // The upstream never answers; without the timeout this would hang until the test's own limit.
    const response = await gatewayApp(() => upstreamUrl, 300).request('/things/v1/slow');
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ code: 'http/upstream-timeout', module: 'things' });
  });

  it('an upstream that is down gives 503 naming the module, with Retry-After, logged as a warning without a stack', async () => {
    failures.length = 0;
    const lines: Record<string, unknown>[] = [];
    const response = await gatewayApp(() => 'http://127.0.0.1:1', 30_000, lines).request('/things/v1/items');
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ code: 'http/upstream-unavailable', module: 'things' });
    expect(failures).toEqual(['things http://127.0.0.1:1']);
    // An upstream being down is expected operation, not a bug: a one-line warning, no error, no stack.
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'request failed upstream', code: 'http/upstream-unavailable', upstream: 'things' }));
    expect(JSON.stringify(lines)).not.toContain('stack');
  });

  /** A gateway under a breaker that one counted failure opens, its failures recorded in `failures` (emptied). */
  function guardedGateway() {
    failures.length = 0;
    const transport = createHttpTransport({ resolve: () => upstreamUrl, log: testLogger(), breakerThreshold: 1, breakerHalfOpenAfterMs: 60_000 });
    const app = createApp({ logger: testLogger(), bodyLimitBytes: 1024 });
    const onFailure = (m: string, base: string) => failures.push(`${m} ${base}`);
    mountGateway(app, ['things'], { resolve: async () => upstreamUrl, timeoutMs: 30_000, guard: transport.guard, onFailure });
    return { app, transport };
  }

  it('TRACE is refused here with a 501 problem: nothing is sent, and the module is not counted as failing', async () => {
    const { app, transport } = guardedGateway();
    // Served: a Web Request cannot even be made with TRACE, but @hono/node-server hands the app one.
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    const sent = seen.length;
    try {
      const { status, body } = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
        const req = nodeRequest({ host: '127.0.0.1', port, method: 'TRACE', path: '/things/v1/items' }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode, body: text }));
        });
        req.on('error', reject).end();
      });
      expect(status).toBe(501);
      expect(JSON.parse(body)).toMatchObject({ code: 'http/method-not-implemented', detail: 'TRACE is not forwarded to module things.' });
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(seen.length).toBe(sent);
    expect(failures).toEqual([]);
    // One failure would have opened it.
    expect(transport.stats().things?.breaker ?? 'closed').toBe('closed');
    expect((await app.request('/things/v1/items')).status).toBe(201);
  });

  it('Expect: 100-continue was met here and is not forwarded (fetch refuses to send it): the request goes through', async () => {
    failures.length = 0;
    const response = await gatewayApp(() => upstreamUrl).request('/things/v1/items', {
      method: 'POST',
      headers: { 'content-type': 'application/json', expect: '100-continue' },
      body: '{"a":1}',
    });
    expect(response.status).toBe(201);
    expect(seen.at(-1)?.headers.expect).toBeUndefined();
    expect(failures).toEqual([]);
  });

  it('a body that breaks off before its end is a 400 here: nothing reaches the module, nothing counts against it', async () => {
    const { app, transport } = guardedGateway();
    const sent = seen.length;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"a"'));
        controller.error(new Error('aborted'));
      },
    });
    // Its length announced, as a client's upload over a socket is: the body is read as it arrives, not by the limit.
    const headers = { 'content-type': 'application/json', 'content-length': '40' };
    const response = await app.request('/things/v1/items', { method: 'POST', headers, body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'http/malformed-request', detail: 'The request body could not be read to its end.' });
    expect(seen.length).toBe(sent);
    expect(failures).toEqual([]);
    expect(transport.stats().things?.breaker ?? 'closed').toBe('closed');
  });

  it('answers a browser origin by this host’s CORS policy, on forwarded answers too, whatever the upstream’s own', async () => {
    const app = createApp({ logger: testLogger(), bodyLimitBytes: 1024, cors: { origins: ['https://app.example'], credentials: true } });
    mountGateway(app, ['things'], { resolve: async () => upstreamUrl, timeoutMs: 30_000 });
    for (const path of ['/things/v1/items', '/things/v1/missing', '/things/v1/own-cors']) {
      const response = await app.request(path, { headers: { origin: 'https://app.example' } });
      expect(response.headers.get('x-upstream')).toBe('yes');
      expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('access-control-expose-headers')).toContain('x-request-id');
      expect(response.headers.get('vary')?.split(/,\s*/)).toContain('Origin');
    }
    expect((await app.request('/things/v1/own-cors', { headers: { origin: 'https://app.example' } })).headers.get('vary')).toBe('Accept-Encoding, Origin');
    // An origin not on this host's list gets no CORS answer, even one the upstream would have allowed.
    const refused = await app.request('/things/v1/own-cors', { headers: { origin: 'https://elsewhere.example' } });
    expect(refused.headers.get('vary')?.split(/,\s*/)).toContain('Origin');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    // Nor does a host without a CORS policy pass the upstream's on.
    const closed = await gatewayApp(() => upstreamUrl).request('/things/v1/own-cors', { headers: { origin: 'https://elsewhere.example' } });
    expect(closed.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('repeated connection failures open the module’s breaker, shared with module calls, and say when to retry', async () => {
    const transport = createHttpTransport({ resolve: () => 'http://127.0.0.1:1', log: testLogger(), breakerThreshold: 3, breakerHalfOpenAfterMs: 60_000 });
    const app = createApp({ logger: testLogger(), bodyLimitBytes: 1024 });
    mountGateway(app, ['things'], { resolve: async () => 'http://127.0.0.1:1', timeoutMs: 30_000, guard: transport.guard, retryAfterSeconds: 60 });
    for (let i = 0; i < 3; i++) expect((await app.request('/things/v1/items')).status).toBe(503);
    expect(transport.stats().things).toMatchObject({ breaker: 'open' });
    const open = await app.request('/things/v1/items');
    expect(open.status).toBe(503);
    expect(await open.json()).toMatchObject({ code: 'http/circuit-open', module: 'things' });
    expect(Number(open.headers.get('retry-after'))).toBeGreaterThan(50);
  });
});
