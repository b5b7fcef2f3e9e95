import { STATUS_CODES } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcessHost, type ProcessHost, type Runtime } from '../support/process-host.ts';
import { RawConnection } from '../support/raw-http.ts';
import { eventually } from '../support/test-host.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';

const runtimes: Runtime[] = ['node', 'deno'];

/** Requests Node's or Deno's HTTP parser refuses before the app sees them. */
const malformed = {
  crInHeader: 'GET /catalog/v1/products HTTP/1.1\r\nHost: x\r\nX-Bad: a\rb\r\n\r\n',
  badChunk: 'POST /catalog/v1/products HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
  hugeHeaders: `GET /catalog/v1/products HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`,
  lengthAndChunked: 'POST /catalog/v1/products HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  badRequestLine: 'HELLO\r\n\r\n',
};

/** Requests Node parses but that name no resource here; Node or @hono/node-server would answer them with no body. */
const unservable = {
  noHost: 'GET /health/live HTTP/1.1\r\n\r\n',
  optionsAsterisk: 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n',
  getAsterisk: 'GET * HTTP/1.1\r\nHost: x\r\n\r\n',
  badHost: 'GET /health/live HTTP/1.1\r\nHost: a b\r\n\r\n',
  backslashPath: 'GET /\\catalog/v1/products HTTP/1.1\r\nHost: x\r\n\r\n',
  connect: 'CONNECT example.com:22 HTTP/1.1\r\nHost: example.com:22\r\n\r\n',
  unknownExpectation: 'GET /health/live HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n',
  twoHosts: 'GET /health/live HTTP/1.1\r\nHost: localhost\r\nhost: evil.example\r\n\r\n',
  http2Line: 'GET /health/live HTTP/2.0\r\nHost: x\r\n\r\n',
  http09: 'GET /health/live\r\n\r\n',
  gzipChunked:
    'POST /catalog/v1/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
  unknownCodingLine: 'POST /catalog/v1/products HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  // No chunked at all: Node's parser also refuses the body it cannot frame, just after the app answered.
  onlyCoding: 'POST /catalog/v1/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n{}',
  onlyCodingGet: 'GET /catalog/v1/products HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n',
};

async function sendRaw(host: ProcessHost, bytes: string) {
  const connection = await RawConnection.open(Number(new URL(host.url).port));
  try {
    return await connection.sendBytes(bytes);
  } finally {
    connection.close();
  }
}

describe.each(runtimes)('the HTTP edge on %s', { timeout: processTestTimeoutMs }, (runtime) => {
  let host: ProcessHost;
  beforeAll(async () => {
    host = await startProcessHost({ runtime, env: { MODULES: 'catalog,identity', BODY_LIMIT_BYTES: '1024' } });
  }, processTestTimeoutMs);
  afterAll(() => host.stop());

  it('a keep-alive pool of slow oversized POSTs and small GETs: every POST gets its 413 problem, no request fails', async () => {
    // Each POST is sent whole before its answer is read, as many clients do, and slowly enough (10 × 60 ms) that a
    // server giving up on unread bodies after 500 ms would reset the connection under it.
    const jobs = Array.from({ length: 48 }, (_, i) => (i % 8 < 5 ? 'post' : 'get'));
    const outcomes: string[] = [];
    const port = Number(new URL(host.url).port);
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        let connection: RawConnection | undefined;
        for (let job = jobs.shift(); job; job = jobs.shift()) {
          if (!connection || connection.closed) connection = await RawConnection.open(port);
          try {
            const response =
              job === 'post'
                ? await connection.send({
                    // A public operation (sign-up): access, checked first, lets it through to the body limit.
                    method: 'POST',
                    path: '/identity/v1/users',
                    headers: { 'content-type': 'application/json' },
                    body: new Uint8Array(512 * 1024).fill(32),
                    chunks: 10,
                    pauseMs: 60,
                  })
                : await connection.send({ method: 'GET', path: '/catalog/v1/products' });
            const code = response.headers['content-type']?.includes('json') ? (JSON.parse(response.body) as { code?: string }).code : undefined;
            outcomes.push(`${job} ${response.status} ${code ?? ''}`.trim());
            if (response.headers.connection === 'close') connection.close();
          } catch (error) {
            outcomes.push(`${job} failed: ${(error as Error).message}`);
            connection.close();
          }
        }
        connection?.close();
      }),
    );
    expect(outcomes.filter((o) => o.startsWith('post'))).toEqual(Array.from({ length: 30 }, () => 'post 413 http/payload-too-large'));
    expect(outcomes.filter((o) => o.startsWith('get'))).toEqual(Array.from({ length: 18 }, () => 'get 200'));
  });

  it.each([
    ['/catalog/v1/x/../products', 'spelled out'],
    ['/catalog/v1/x/%2e%2e/products', 'percent-encoded'],
    ['/catalog/v1/x/%2E./products', 'half encoded, in capitals'],
    ['/catalog/v1/./products', 'a single dot'],
    ['/catalog/v1/products/%2e%2e?q=1', 'as the last segment, before a query'],
    ['http://x/health/../health/live', 'in an absolute-form target'],
  ])('a path with a dot segment (%s, %s) is refused with the same 400 problem, never resolved to another route', async (target) => {
    const response = await sendRaw(host, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(response.status).toBe(400);
    expect(response.headers).toMatchObject({ 'content-type': 'application/problem+json', connection: 'close', 'x-content-type-options': 'nosniff' });
    const body = JSON.parse(response.body) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 400, code: 'http/malformed-request', requestId: response.headers['x-request-id'] });
    expect(body.detail).toContain('"." or ".." segment');
  });

  it('dots elsewhere in a path or a query are not dot segments', async () => {
    for (const target of ['/catalog/v1/products?cursor=..', '/catalog/v1/products/a..b', '/catalog/v1/products/.well', '/catalog/v1/products/%2e%2ex']) {
      const response = await sendRaw(host, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(JSON.parse(response.body)).not.toMatchObject({ detail: expect.stringContaining('segment') });
      expect(response.status, target).not.toBe(500);
    }
  });

  it("a HEAD answer carries the GET's headers, with no Content-Length or the GET body's (RFC 9110 §8.6), and is logged as HEAD", async () => {
    const get = await fetch(`${host.url}/catalog/v1/products?limit=3`);
    const body = Buffer.from(await get.arrayBuffer());
    expect(body.length).toBeGreaterThan(0);
    const head = await fetch(`${host.url}/catalog/v1/products?limit=3`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
    expect([null, String(body.length)]).toContain(head.headers.get('content-length'));
    await eventually(() => expect(host.output()).toMatch(/"method":"HEAD","path":"\/catalog\/v1\/products","status":200/), 10_000);
  });

  if (runtime === 'node') {
    it.each([
      ['a CR inside a header value', malformed.crInHeader, 400, 'http/malformed-request'],
      ['a malformed chunked body', malformed.badChunk, 400, 'http/malformed-request'],
      ['20 KiB of headers', malformed.hugeHeaders, 431, 'http/headers-too-large'],
      ['Content-Length with Transfer-Encoding', malformed.lengthAndChunked, 400, 'http/malformed-request'],
      ['a request line that is not HTTP', malformed.badRequestLine, 400, 'http/malformed-request'],
    ])('Node refuses %s with a problem+json body and closes', async (_, bytes, status, code) => {
      const response = await sendRaw(host, bytes);
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.headers.connection).toBe('close');
      const body = JSON.parse(response.body) as Record<string, unknown>;
      expect(body).toMatchObject({ status, code, requestId: response.headers['x-request-id'] });
    });

    it.each([
      ['an HTTP/1.1 request without Host', unservable.noHost, 400, 'http/malformed-request', 'no Host header'],
      ['OPTIONS *', unservable.optionsAsterisk, 400, 'http/malformed-request', 'OPTIONS * asks about the server as a whole'],
      ['GET *', unservable.getAsterisk, 400, 'http/malformed-request', 'GET * asks about the server as a whole'],
      ['a Host header that is not a host', unservable.badHost, 400, 'http/malformed-request', 'Host header or path is not valid'],
      ['a backslash in the path', unservable.backslashPath, 400, 'http/malformed-request', 'Host header or path is not valid'],
      ['CONNECT (a tunnel request)', unservable.connect, 501, 'http/method-not-implemented', 'this server is not a proxy'],
      ['an Expect other than 100-continue', unservable.unknownExpectation, 417, 'http/expectation-failed', 'only 100-continue'],
      ['two Host headers', unservable.twoHosts, 400, 'http/malformed-request', 'more than one Host header'],
      ['an HTTP/2.0 request line', unservable.http2Line, 505, 'http/version-not-supported', 'HTTP/2.0 is not served here'],
      ['an HTTP/0.9 request line (no version)', unservable.http09, 505, 'http/version-not-supported', 'HTTP/0.9 is not served here'],
      ['a transfer coding before chunked', unservable.gzipChunked, 501, 'http/transfer-coding-not-implemented', 'names "gzip"; only chunked'],
      ['a transfer coding on a line of its own', unservable.unknownCodingLine, 501, 'http/transfer-coding-not-implemented', 'names "foo"'],
      ['a transfer coding without chunked', unservable.onlyCoding, 501, 'http/transfer-coding-not-implemented', 'names "gzip"'],
      ['a GET with a transfer coding without chunked', unservable.onlyCodingGet, 501, 'http/transfer-coding-not-implemented', 'names "identity"'],
    ])('Node answers %s with a problem, the security headers and Connection: close', async (_, bytes, status, code, detail) => {
      const response = await sendRaw(host, bytes);
      expect(response.status).toBe(status);
      expect(response.headers).toMatchObject({ 'content-type': 'application/problem+json', connection: 'close', 'x-content-type-options': 'nosniff' });
      expect(response.headers.date).toBeDefined();
      const body = JSON.parse(response.body) as Record<string, unknown>;
      expect(body).toMatchObject({ status, code, requestId: response.headers['x-request-id'] });
      expect(body.detail).toContain(detail);
      // The status's own name (RFC 9110 §15), never a placeholder.
      expect(body.title).toBe(STATUS_CODES[status] === 'Payload Too Large' ? 'Content Too Large' : STATUS_CODES[status]);
    });

    it('an HTTP/1.0 request without Host is still served', async () => {
      const response = await sendRaw(host, 'GET /health/live HTTP/1.0\r\n\r\n');
      expect(response.status).toBe(200);
    });
  } else {
    // Deno.serve (hyper) answers parser errors itself, with no hook for the app: an empty 400 and Connection: close.
    // It is laxer than Node about header size, and drops a connection whose chunked body is malformed.
    it.each([
      ['a CR inside a header value', malformed.crInHeader],
      ['Content-Length with Transfer-Encoding', malformed.lengthAndChunked],
      ['a request line that is not HTTP', malformed.badRequestLine],
    ])('Deno refuses %s with an empty 400 and closes', async (_, bytes) => {
      const response = await sendRaw(host, bytes);
      expect(response).toMatchObject({ status: 400, body: '' });
      expect(response.headers.connection).toBe('close');
    });

    it('Deno answers CONNECT (a tunnel request) with the same 501 problem as Node', async () => {
      const response = await sendRaw(host, unservable.connect);
      expect(response.status).toBe(501);
      expect(response.headers).toMatchObject({ 'content-type': 'application/problem+json', 'x-content-type-options': 'nosniff' });
      expect(JSON.parse(response.body)).toMatchObject({ status: 501, code: 'http/method-not-implemented', requestId: response.headers['x-request-id'] });
    });

    it.each([
      ['before chunked', unservable.gzipChunked, '"gzip"'],
      ['on a line of its own', unservable.unknownCodingLine, '"foo"'],
    ])('Deno refuses a transfer coding %s with the same 501 problem as Node', async (_, bytes, named) => {
      const response = await sendRaw(host, bytes);
      expect(response.status).toBe(501);
      expect(response.headers).toMatchObject({ 'content-type': 'application/problem+json', 'x-content-type-options': 'nosniff' });
      const body = JSON.parse(response.body) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 501, code: 'http/transfer-coding-not-implemented', title: 'Not Implemented' });
      expect(body.detail).toContain(named);
    });

    it.each([
      ['two Host headers', unservable.twoHosts],
      ['an HTTP/2.0 request line', unservable.http2Line],
      ['a transfer coding without chunked', unservable.onlyCoding],
      ['a GET with a transfer coding without chunked', unservable.onlyCodingGet],
    ])('Deno refuses %s itself, with an empty 400', async (_, bytes) => {
      expect(await sendRaw(host, bytes)).toMatchObject({ status: 400, body: '' });
    });

    it('Deno closes the connection on a malformed chunked body without an answer', async () => {
      await expect(sendRaw(host, malformed.badChunk)).rejects.toThrow('connection closed without a complete response');
    });

    it('Deno lets 20 KiB of headers through to the app', async () => {
      expect((await sendRaw(host, malformed.hugeHeaders)).status).toBe(200);
    });
  }
});

describe('a request that does not arrive in time (REQUEST_TIMEOUT_MS) on node', { timeout: processTestTimeoutMs }, () => {
  let host: ProcessHost;
  beforeAll(async () => {
    host = await startProcessHost({ runtime: 'node', env: { MODULES: 'catalog,identity', REQUEST_TIMEOUT_MS: '1000' } });
  }, processTestTimeoutMs);
  afterAll(() => host.stop());

  it.each([
    ['a body that stops half-way', 'POST /identity/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"a"'],
    ['headers that never end', 'GET /catalog/v1/products HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n'],
  ])('%s is answered 408 with a problem and its connection closed', async (_, bytes) => {
    const connection = await RawConnection.open(Number(new URL(host.url).port));
    try {
      // No deadline of the test's own: only the server's limit ends the wait.
      const response = await connection.sendBytes(bytes);
      expect(response.status).toBe(408);
      expect(response.headers).toMatchObject({ 'content-type': 'application/problem+json', connection: 'close' });
      expect(JSON.parse(response.body)).toMatchObject({ status: 408, code: 'http/request-timeout' });
      await expect(connection.next()).rejects.toThrow('connection closed without a complete response');
    } finally {
      connection.close();
    }
    // The host goes on serving.
    expect((await fetch(`${host.url}/catalog/v1/products`)).status).toBe(200);
  });

  it('a body that stops half-way is logged as the 408 the client got, not as a body that broke off (400)', async () => {
    const path = '/identity/v1/users';
    const linesFor = () =>
      host
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{') && line.includes(`"path":"${path}"`))
        .map((line) => JSON.parse(line) as { msg?: string; status?: number });
    const before = linesFor().length;
    const connection = await RawConnection.open(Number(new URL(host.url).port));
    try {
      const sent = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"a"`;
      expect((await connection.sendBytes(sent)).status).toBe(408);
    } finally {
      connection.close();
    }
    // The app's read fails once the connection closes; its access line follows the answer the server sent.
    const line = await eventually(() => {
      const found = linesFor()
        .slice(before)
        .find((l) => l.msg === 'request');
      if (!found) throw new Error(`no access line for ${path} yet`);
      return found;
    }, 30_000);
    expect(line).toMatchObject({ method: 'POST', status: 408 });
  });
});
