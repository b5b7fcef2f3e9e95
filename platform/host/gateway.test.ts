import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testLogger } from '../../tests/support/test-host.ts';
import { createApp } from '../http/index.ts';
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
  const bigSize = 8 * 1024 * 1024;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let bodyBytes = 0;
      req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes });
        if (req.url?.startsWith('/things/v1/slow')) return void setTimeout(() => res.end('late'), 1000);
        if (req.url?.startsWith('/things/v1/big')) {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          const chunk = Buffer.alloc(64 * 1024, 7);
          for (let sent = 0; sent < bigSize; sent += chunk.length) res.write(chunk);
          return void res.end();
        }
        res.writeHead(req.url?.includes('missing') ? 404 : 201, { 'content-type': 'application/json', 'x-upstream': 'yes' });
        res.end(JSON.stringify({ path: req.url, bodyBytes }));
      });
    });
    upstreamUrl = await listen(upstream);
  });
  afterAll(() => new Promise<void>((r) => upstream.close(() => r())));

  function gatewayApp(resolve: () => string) {
    const app = createApp({ logger: testLogger(), bodyLimitBytes: 16 * 1024 * 1024 });
    mountGateway(app, ['things'], { resolve: async () => resolve(), timeoutMs: 300, onFailure: (m, base) => failures.push(`${m} ${base}`) });
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

  it('passes the upstream’s problem responses through unchanged', async () => {
    const response = await gatewayApp(() => upstreamUrl).request('/things/v1/missing');
    expect(response.status).toBe(404);
  });

  it('streams large bodies both ways', async () => {
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
    // The upstream answers 200 after 1 s; without the 300 ms timeout this would be that 200.
    const response = await gatewayApp(() => upstreamUrl).request('/things/v1/slow');
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ code: 'http/upstream-timeout', module: 'things' });
  });

  it('an upstream that is down gives 503 naming the module and is reported', async () => {
    failures.length = 0;
    const response = await gatewayApp(() => 'http://127.0.0.1:1').request('/things/v1/items');
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'http/upstream-unavailable', module: 'things' });
    expect(failures).toEqual(['things http://127.0.0.1:1']);
  });
});
