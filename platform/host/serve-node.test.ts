import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeApp, everyAnswer } from '../../tests/support/edge-app.ts';
import { secureHeaders } from '../http/index.ts';
import { listen } from './serve-node.ts';
import type { RunningServer } from './serve.ts';

/** One request over a real socket, with the raw header lines as Node's client received them. */
function send(url: string, init: RequestInit & { path: string }): Promise<{ status: number; rawHeaders: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${init.path}`, { method: init.method ?? 'GET', headers: init.headers as Record<string, string> }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(init.body as string | undefined);
  });
}

function headerValues(rawHeaders: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]?.toLowerCase() === name) values.push(rawHeaders[i + 1] ?? '');
  return values;
}

describe('the Node server adapter', () => {
  const { app, requests, lines } = edgeApp();
  let server: RunningServer;
  beforeAll(async () => {
    server = await listen(app.fetch, { host: '127.0.0.1', port: 0 });
  });
  afterAll(() => server.close());

  it.each(everyAnswer)('$label answer carries each security header once, and the request id', async ({ status, init }) => {
    const response = await send(server.url, init);
    expect(response.status).toBe(status);
    for (const [name, value] of Object.entries(secureHeaders)) expect(headerValues(response.rawHeaders, name), name).toEqual([value]);
    expect(headerValues(response.rawHeaders, 'x-request-id')).toEqual([expect.stringMatching(/^[\da-f-]{36}$/)]);
    // The response's own `Content-Type` and the edge's headers merge into one head, nothing doubled.
    expect(headerValues(response.rawHeaders, 'content-type')).toHaveLength(1);
  });

  it('a header the route sets itself wins over the edge default, sent once', async () => {
    const response = await send(server.url, { path: '/things/v1/framed' });
    expect(headerValues(response.rawHeaders, 'x-frame-options')).toEqual(['DENY']);
  });

  it('one access-log line per request', async () => {
    const before = requests().length;
    for (const { init } of everyAnswer) await send(server.url, init);
    expect(requests().length - before).toBe(everyAnswer.length);
  });

  it('a request the HTTP parser refuses still gets the security headers', async () => {
    const port = Number(new URL(server.url).port);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\nX-Bad: a\rb\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    for (const [name, value] of Object.entries(secureHeaders)) expect(raw).toContain(`\r\n${name}: ${value}\r\n`);
  });
  it('a body whose chunked encoding breaks is a 400 from the client in the log and metrics, not a failure of the server', async () => {
    const port = Number(new URL(server.url).port);
    const before = lines.length;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write('POST /things/v1/items HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    // The app's side of the request ends too: its access line, once it is written.
    const deadline = Date.now() + 10_000;
    while (!lines.slice(before).some((l) => l.msg === 'request' && l.method === 'POST') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const logged = lines.slice(before);
    expect(logged.filter((l) => l.msg === 'request' && l.method === 'POST').map((l) => l.status)).toEqual([400]);
    expect(logged.filter((l) => Number(l.level) >= 50)).toEqual([]);
  });
});

describe('Expect: 100-continue on the Node server adapter', () => {
  const { app } = edgeApp();
  let server: RunningServer;
  beforeAll(async () => {
    server = await listen(app.fetch, { host: '127.0.0.1', port: 0 });
  });
  afterAll(() => server.close());

  /** Sends the head only, then the body once a 100 arrives; resolves with everything received until the socket ends. */
  function expectContinue(head: string, body: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1', () => socket.write(head));
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        const first = text === '';
        text += chunk.toString('latin1');
        if (first && text.startsWith('HTTP/1.1 100 ')) socket.write(body);
        // A final answer without a 100 first: the client never sends what it held back, and hangs up.
        else if (first && /\r\n\r\n/.test(text) && !text.startsWith('HTTP/1.1 100 ')) setTimeout(() => socket.end(), 50);
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
  }

  const post = (headers: string) => `POST /things/v1/items HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\n${headers}\r\n`;

  it('sends the 100 when the app reads the body, then the answer', async () => {
    const raw = await expectContinue(post('content-type: application/json\r\ncontent-length: 12\r\n'), '{"name":"x"}');
    expect(raw).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /);
    expect(raw).toContain('{"name":"x"}');
  });

  it.each([
    ['413 from Content-Length over the limit', post('content-type: application/json\r\ncontent-length: 100000\r\n'), 413],
    ['415 from Content-Type', post('content-type: text/plain\r\ncontent-length: 5\r\n'), 415],
    ['404 for an unknown path', post('content-type: application/json\r\ncontent-length: 5\r\n').replace('/things/v1/items', '/things/v1/nothing'), 404],
  ])('answers %s without a 100, so the client keeps its body', async (_label, head, status) => {
    const raw = await expectContinue(head, 'never');
    expect(raw).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(raw).not.toContain('100 Continue');
  });
});

describe('keep-alive connections of the Node server adapter', () => {
  it('announces a keep-alive timeout longer than its callers and proxies keep idle connections', async () => {
    const server = await listen(() => new Response('ok'), { host: '127.0.0.1', port: 0 });
    try {
      const response = await send(server.url, { path: '/' });
      expect(headerValues(response.rawHeaders, 'keep-alive')).toEqual(['timeout=65']);
    } finally {
      await server.close();
    }
  });

  it('closing: the answer in flight says Connection: close, and close() ends without waiting for the keep-alive timeout', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const server = await listen(
      async () => {
        arrived();
        await gate;
        return new Response('late');
      },
      { host: '127.0.0.1', port: 0 },
    );
    const answer = send(server.url, { path: '/' });
    await inFlight;
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    release();
    const response = await answer;
    expect(response.body).toBe('late');
    expect(headerValues(response.rawHeaders, 'connection')).toEqual(['close']);
    // Without Connection: close the socket would stay open, and close() pending, for the 65 s keep-alive timeout.
    await closing;
    expect(closed).toBe(true);
  });
});
