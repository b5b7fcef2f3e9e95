import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { z } from '@hono/zod-openapi';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CleaveError, contractRoute, createApp, createRouter } from '../http/index.ts';
import { createLogger } from '../observability/index.ts';
import { createClient, defineContract } from './index.ts';
import type { HttpClient } from './http-send.ts';
import { createHttpTransport, type HttpTransportOptions } from './http-transport.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Handler = (res: ServerResponse, count: number, req: IncomingMessage) => void;

const log = createLogger({ level: 'silent', format: 'json' });
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise<void>((done) => server.close(() => done()));
    }),
  );
});

/** A real HTTP server on a free port that records what it receives and answers as `handler` says. */
async function startServer(handler: Handler) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      handler(res, seen.length, req);
    });
  });
  servers.push(server);
  return { url: await listen(server), seen };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An address where nothing listens: a port that was just free and is closed again. */
async function closedPort(): Promise<string> {
  const server = createServer();
  const url = await listen(server);
  await new Promise<void>((done) => server.close(() => done()));
  return url;
}

function reply(res: ServerResponse, status: number, body: unknown = { ok: true }, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A request as the typed client builds it. */
function internal(path: string, init: RequestInit = {}): Request {
  return new Request(`http://cleave.internal${path}`, init);
}

const clients: HttpClient[] = ['undici', 'fetch'];
let client: HttpClient = 'undici';

function transportTo(url: string, overrides: Partial<HttpTransportOptions> = {}) {
  return createHttpTransport({ resolve: () => url, log, retryBaseMs: 5, retryMaxMs: 50, client, ...overrides });
}

async function rejection(promise: Promise<unknown>): Promise<CleaveError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CleaveError);
  return error as CleaveError;
}

describe.each(clients)('http transport over %s', (name) => {
  beforeEach(() => {
    client = name;
  });

  it('forwards method, path, query, headers and body to the resolved instance and returns its answer', async () => {
    const provider = await startServer((res) => reply(res, 201, { created: true }, { 'x-upstream': 'yes' }));
    const transport = transportTo(`${provider.url}/`);
    const headers = { 'content-type': 'application/json', 'x-request-id': 'r-1', 'x-correlation-id': 'c-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'x-cleave-caller': 'catalog', 'idempotency-key': 'k-1' };
    const response = await transport('stock', internal('/stock/v1/items/a%20b?size=2&tag=x&tag=y', { method: 'POST', headers, body: JSON.stringify({ quantity: 3 }) }));
    expect(response.status).toBe(201);
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(await response.json()).toEqual({ created: true });
    const [seen] = provider.seen;
    expect(seen).toMatchObject({ method: 'POST', url: '/stock/v1/items/a%20b?size=2&tag=x&tag=y', body: '{"quantity":3}' });
    expect(seen?.headers).toMatchObject(headers);
  });

  it('an instance that does not answer in time fails as a timeout quickly and is reported', async () => {
    const provider = await startServer(() => undefined);
    const failures: [string, string, string][] = [];
    const transport = transportTo(provider.url, { timeoutMs: 100, retries: 1, onFailure: (m, base, e) => failures.push([m, base, e.code]) });
    // The provider never answers: without the timeout this call would hang until the test times out.
    const error = await rejection(transport('stock', internal('/stock/v1/slow')));
    expect(error).toMatchObject({ kind: 'timeout', code: 'http/upstream-timeout', details: { module: 'stock' } });
    expect(provider.seen).toHaveLength(2);
    expect(failures).toEqual([
      ['stock', provider.url, 'http/upstream-timeout'],
      ['stock', provider.url, 'http/upstream-timeout'],
    ]);
  });

  it('an instance that stalls halfway through its body times out too, instead of hanging the reader', async () => {
    const provider = await startServer((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"sku":');
    });
    const error = await rejection(transportTo(provider.url, { timeoutMs: 100, retries: 0 })('stock', internal('/stock/v1/items')));
    expect(error.code).toBe('http/upstream-timeout');
  });

  it('an instance that refuses connections fails as unavailable after the retries', async () => {
    const down = await closedPort();
    const failures: string[] = [];
    const transport = transportTo(down, { onFailure: (_m, base) => failures.push(base) });
    const error = await rejection(transport('stock', internal('/stock/v1/items')));
    expect(error).toMatchObject({ kind: 'unavailable', code: 'http/upstream-unavailable', details: { module: 'stock' } });
    expect(failures).toEqual([down, down, down]);
  });

  it('an instance that drops the connection fails as unavailable, and a GET is retried', async () => {
    const provider = await startServer((res) => res.socket?.destroy());
    const error = await rejection(transportTo(provider.url)('stock', internal('/stock/v1/items')));
    expect(error.code).toBe('http/upstream-unavailable');
    expect(provider.seen).toHaveLength(3);
  });

  it('a GET answered 503 is retried and the later success returned', async () => {
    const provider = await startServer((res, n) => (n === 1 ? reply(res, 503, { code: 'stock/busy', status: 503 }) : reply(res, 200)));
    const response = await transportTo(provider.url)('stock', internal('/stock/v1/items'));
    expect(response.status).toBe(200);
    expect(provider.seen).toHaveLength(2);
  });

  it('Retry-After is waited for before the next attempt', async () => {
    const provider = await startServer((res, n) => (n === 1 ? reply(res, 503, {}, { 'retry-after': '1' }) : reply(res, 200)));
    const started = Date.now();
    const response = await transportTo(provider.url, { retryMaxMs: 1000 })('stock', internal('/stock/v1/items'));
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('a Retry-After beyond the cap is not retried: the 503 comes back at once', async () => {
    const provider = await startServer((res) => reply(res, 503, { code: 'stock/maintenance', status: 503 }, { 'retry-after': '120' }));
    const response = await transportTo(provider.url)('stock', internal('/stock/v1/items'));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('120');
    expect(provider.seen).toHaveLength(1);
  });

  it('a POST is retried only when it carries an Idempotency-Key', async () => {
    const provider = await startServer((res, n) => (n % 2 === 1 ? reply(res, 503) : reply(res, 201)));
    const transport = transportTo(provider.url);
    const plain = await transport('stock', internal('/stock/v1/items', { method: 'POST', body: '{"a":1}' }));
    expect(plain.status).toBe(503);
    expect(provider.seen).toHaveLength(1);
    provider.seen.length = 0;
    const keyed = await transport('stock', internal('/stock/v1/items', { method: 'POST', body: '{"a":1}', headers: { 'idempotency-key': 'k-9' } }));
    expect(keyed.status).toBe(201);
    expect(provider.seen.map((s) => s.body)).toEqual(['{"a":1}', '{"a":1}']);
  });

  it('the breaker opens after consecutive failures, fails fast without calling, and closes once the provider is back', async () => {
    let healthy = false;
    const provider = await startServer((res) => (healthy ? reply(res, 200) : reply(res, 500, { code: 'stock/boom', status: 500 })));
    const transport = transportTo(provider.url, { breakerThreshold: 3, breakerHalfOpenAfterMs: 200 });
    for (let i = 0; i < 3; i++) expect((await transport('stock', internal('/stock/v1/items'))).status).toBe(500);
    const error = await rejection(transport('stock', internal('/stock/v1/items')));
    expect(error).toMatchObject({ kind: 'unavailable', code: 'http/circuit-open', details: { module: 'stock', retryAt: expect.any(String) } });
    await rejection(transport('stock', internal('/stock/v1/items')));
    expect(provider.seen).toHaveLength(3);
    expect(transport.stats().stock).toMatchObject({ breaker: 'open', reopensAt: expect.any(String) });

    healthy = true;
    await new Promise((done) => setTimeout(done, 250));
    expect((await transport('stock', internal('/stock/v1/items'))).status).toBe(200);
    expect(transport.stats().stock).toEqual({ breaker: 'closed', inFlight: 0, queued: 0 });
  });

  it('the bulkhead refuses calls beyond its slots and queue', async () => {
    const held: ServerResponse[] = [];
    let arrived: () => void = () => undefined;
    const first = new Promise<void>((resolve) => (arrived = resolve));
    const provider = await startServer((res) => {
      held.push(res);
      arrived();
    });
    const transport = transportTo(provider.url, { maxConcurrent: 1, maxQueued: 1 });
    const running = transport('stock', internal('/stock/v1/items/1'));
    const queued = transport('stock', internal('/stock/v1/items/2'));
    await first;
    expect(transport.stats().stock).toMatchObject({ inFlight: 1, queued: 1 });
    const error = await rejection(transport('stock', internal('/stock/v1/items/3')));
    expect(error).toMatchObject({ kind: 'unavailable', code: 'http/upstream-saturated', details: { module: 'stock' } });
    reply(held[0] as ServerResponse, 200);
    expect((await running).status).toBe(200);
    await expect.poll(() => held.length).toBe(2);
    reply(held[1] as ServerResponse, 200);
    expect((await queued).status).toBe(200);
    expect(provider.seen.map((s) => s.url)).toEqual(['/stock/v1/items/1', '/stock/v1/items/2']);
  });

  it('a 404 problem comes back as it was sent and does not count against the breaker', async () => {
    const problem = { type: 'urn:cleave:problem:stock/item-not-found', title: 'Not Found', status: 404, code: 'stock/item-not-found' };
    const provider = await startServer((res) => reply(res, 404, problem));
    const transport = transportTo(provider.url, { breakerThreshold: 1 });
    for (let i = 0; i < 3; i++) {
      const response = await transport('stock', internal('/stock/v1/items/x'));
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toEqual(problem);
    }
    expect(provider.seen).toHaveLength(3);
    expect(transport.stats().stock?.breaker).toBe('closed');
  });

  it('no known instance fails as unavailable naming the module, keeping discovery’s own code', async () => {
    const plain = createHttpTransport({ log, client, resolve: () => { throw new Error('registry empty'); } });
    expect(await rejection(plain('stock', internal('/stock/v1/items')))).toMatchObject({ kind: 'unavailable', code: 'http/no-instance', details: { module: 'stock' } });
    const discovery = createHttpTransport({ log, client, resolve: () => Promise.reject(new CleaveError('unavailable', 'registry/no-healthy-instance', 'None healthy.')) });
    expect(await rejection(discovery('stock', internal('/stock/v1/items')))).toMatchObject({ kind: 'unavailable', code: 'registry/no-healthy-instance', details: { module: 'stock' } });
  });

  it('send: the same call as plain data, the answer read in full, a Retry-After honoured the same way', async () => {
    const provider = await startServer((res, n) => (n === 1 ? reply(res, 503, {}, { 'retry-after': '0' }) : reply(res, 201, { created: true }, { 'x-upstream': 'yes' })));
    const headers = { 'content-type': 'application/json', 'x-request-id': 'r-1', 'idempotency-key': 'k-1' };
    const answer = await transportTo(provider.url).send('stock', { method: 'POST', target: '/stock/v1/items?size=2', headers, body: '{"quantity":3}' });
    expect(answer.status).toBe(201);
    expect(answer.headers).toMatchObject({ 'content-type': 'application/json', 'x-upstream': 'yes' });
    expect(JSON.parse(new TextDecoder().decode(answer.body ?? new Uint8Array()))).toEqual({ created: true });
    expect(provider.seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/stock/v1/items?size=2', '{"quantity":3}'],
      ['POST', '/stock/v1/items?size=2', '{"quantity":3}'],
    ]);
    expect(provider.seen[1]?.headers).toMatchObject(headers);
  });

  it('send: a POST without an Idempotency-Key is not retried, and an empty answer has a null body', async () => {
    const provider = await startServer((res, n) => (n === 1 ? reply(res, 503) : (res.writeHead(204), res.end())));
    const transport = transportTo(provider.url);
    expect((await transport.send('stock', { method: 'POST', target: '/stock/v1/items', headers: {}, body: '{}' })).status).toBe(503);
    const empty = await transport.send('stock', { method: 'DELETE', target: '/stock/v1/items/1', headers: {} });
    expect(empty).toMatchObject({ status: 204, body: null });
  });

  it('send: a body written in many chunks after an informational answer comes back whole, a repeated header joined', async () => {
    const payload = Buffer.from(Array.from({ length: 300_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''));
    const provider = await startServer((res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload' });
      res.writeHead(200, [
        ['content-type', 'application/octet-stream'],
        ['x-part', 'one'],
        ['x-part', 'two'],
      ]);
      let at = 0;
      const next = () => {
        if (at >= payload.length) return void res.end();
        res.write(payload.subarray(at, at + 7_000));
        at += 7_000;
        setImmediate(next);
      };
      next();
    });
    const answer = await transportTo(provider.url).send('stock', { method: 'GET', target: '/stock/v1/export', headers: {} });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-part']).toBe('one, two');
    expect(answer.headers.link).toBeUndefined();
    expect(answer.body?.byteLength).toBe(payload.length);
    expect(Buffer.from(answer.body ?? new Uint8Array()).equals(payload)).toBe(true);
  });

  it('send: a caller signal aborted before the call sends nothing', async () => {
    const provider = await startServer((res) => reply(res, 200));
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    const error: unknown = await transportTo(provider.url)
      .send('stock', { method: 'GET', target: '/stock/v1/items', headers: {}, signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'caller gave up' });
    await new Promise((r) => setTimeout(r, 100));
    expect(provider.seen).toHaveLength(0);
  });

  it('send: a stalled body times out, and a caller abort wins over the timeout', async () => {
    const stalled = await startServer((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"sku":');
    });
    const error = await rejection(transportTo(stalled.url, { timeoutMs: 100, retries: 0 }).send('stock', { method: 'GET', target: '/stock/v1/items', headers: {} }));
    expect(error.code).toBe('http/upstream-timeout');
    const aborted: unknown = await transportTo(stalled.url, { timeoutMs: 5000 })
      .send('stock', { method: 'GET', target: '/stock/v1/items', headers: {}, signal: AbortSignal.timeout(50) })
      .catch((e: unknown) => e);
    expect(aborted).toMatchObject({ name: 'TimeoutError' });
  });

  it('a caller that aborts gets its own abort reason, and the breaker does not count it', async () => {
    const provider = await startServer(() => undefined);
    const transport = transportTo(provider.url, { breakerThreshold: 1 });
    const error: unknown = await transport('stock', internal('/stock/v1/slow', { signal: AbortSignal.timeout(50) })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(error).not.toBeInstanceOf(CleaveError);
    expect(provider.seen).toHaveLength(1);
    expect(transport.stats().stock?.breaker).toBe('closed');
  });
});

const getItem = contractRoute({
  method: 'get',
  path: '/stock/v1/items/{sku}',
  access: 'public',
  request: { params: z.object({ sku: z.string() }) },
  responses: { 200: { description: 'The item', content: { 'application/json': { schema: z.object({ sku: z.string(), quantity: z.number(), caller: z.string() }) } } } },
  errors: { 404: ['stock/item-not-found'] },
});
const stockContract = defineContract('stock', { routes: { getItem } });

async function serveStock(): Promise<string> {
  const app = createApp({ logger: log, bodyLimitBytes: 1024 });
  const router = createRouter();
  router.openapi(getItem, (c) => {
    const { sku } = c.req.valid('param');
    if (sku === 'missing') throw new CleaveError('not_found', 'stock/item-not-found', `No item ${sku}.`);
    return c.json({ sku, quantity: 7, caller: c.req.header('x-cleave-caller') ?? '' }, 200);
  });
  app.route('/', router);
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => resolve(`http://127.0.0.1:${info.port}`));
    servers.push(server as Server);
  });
}

describe('typed client over the http transport', () => {
  it('a typed call reaches the provider in another server and returns its typed body', async () => {
    const stock = createClient(stockContract, transportTo(await serveStock()), 'catalog');
    const { status, body } = await stock.getItem({ params: { sku: 'abc' } });
    expect(status).toBe(200);
    expect(body).toEqual({ sku: 'abc', quantity: 7, caller: 'catalog' });
    await expect(stock.getItem({ params: { sku: 'missing' } })).rejects.toMatchObject({ kind: 'not_found', code: 'stock/item-not-found', details: { module: 'stock', upstreamStatus: 404 } });
  });

  it('a provider that is down makes the call fail as unavailable naming the module', async () => {
    const stock = createClient(stockContract, transportTo(await closedPort()), 'catalog');
    const error = await rejection(stock.getItem({ params: { sku: 'abc' } }));
    expect(error).toMatchObject({ kind: 'unavailable', code: 'http/upstream-unavailable', details: { module: 'stock' } });
  });
});
