import { describe, expect, it } from 'vitest';
import { edgeApp, everyAnswer } from '../../tests/support/edge-app.ts';
import { secureHeaders } from './edge-headers.ts';

describe('the edge', () => {
  it.each(everyAnswer)('$label answer carries the 11 security headers and the request id', async ({ status, init }) => {
    const { app } = edgeApp();
    const { path, ...rest } = init;
    const response = await app.request(path, rest);
    expect(response.status).toBe(status);
    for (const [name, value] of Object.entries(secureHeaders)) expect(response.headers.get(name), name).toBe(value);
    expect(response.headers.get('x-request-id')).toMatch(/^[\da-f-]{36}$/);
  });

  it('a header the route sets itself wins over the edge default', async () => {
    const response = await edgeApp().app.request('/things/v1/framed');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('echoes a safe X-Request-Id and replaces an unsafe one', async () => {
    const { app } = edgeApp();
    expect((await app.request('/things/v1/items/a1', { headers: { 'x-request-id': 'abc-123=' } })).headers.get('x-request-id')).toBe('abc-123=');
    const replaced = await app.request('/things/v1/items/a1', { headers: { 'x-request-id': 'bad id\u0001' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[\da-f-]{36}$/);
    expect((await app.request('/things/v1/items/a1', { headers: { 'x-request-id': 'a'.repeat(129) } })).headers.get('x-request-id')).not.toBe('a'.repeat(129));
  });

  it('runs the handler in the execution context: request, correlation and causation ids; never a caller a client names', async () => {
    const headers = { 'x-request-id': 'req-1', 'x-correlation-id': 'corr-1', 'x-cleave-caller': 'orders' };
    const context = await (await edgeApp().app.request('/things/v1/context', { headers })).json();
    expect(context).toEqual({ requestId: 'req-1', correlationId: 'corr-1', causationId: 'req-1' });
  });
});

describe('the access log', () => {
  it.each(everyAnswer)('$label: exactly one line, with the answer status', async ({ status, init }) => {
    const { app, requests } = edgeApp();
    const { path, ...rest } = init;
    await app.request(path, rest);
    expect(requests()).toHaveLength(1);
    expect(requests()[0]).toMatchObject({ level: 30, method: rest.method ?? 'GET', path, status });
  });

  it('has a fixed shape: request id, correlation id when it differs, module, caller, method, path, status, ms', async () => {
    const { app, requests } = edgeApp();
    await app.request('/things/v1/items/a1', { headers: { 'x-request-id': 'req-1', 'x-correlation-id': 'corr-1', 'x-cleave-caller': 'orders' } });
    await app.request('/things/v1/items/a1', { headers: { 'x-request-id': 'req-2' } });
    const [first, second] = requests();
    // The caller is logged once authenticated (`authorize`); a header naming one is not believed.
    expect(Object.keys(first ?? {})).toEqual(['level', 'time', 'requestId', 'correlationId', 'method', 'path', 'status', 'ms', 'msg']);
    expect(first).toMatchObject({ requestId: 'req-1', correlationId: 'corr-1' });
    expect(Object.keys(second ?? {})).toEqual(['level', 'time', 'requestId', 'method', 'path', 'status', 'ms', 'msg']);
    expect(typeof second?.ms).toBe('number');
  });

  it('sampled at rate 0: fast 2xx answers are not logged, but every 4xx, 5xx and slow answer is', async () => {
    const { app, requests } = edgeApp({ mode: 'sampled', sampleRate: 0, slowMs: 20 });
    for (let i = 0; i < 20; i++) await app.request('/things/v1/items/a1');
    expect(requests()).toHaveLength(0);
    await app.request('/things/v1/items/toolong');
    await app.request('/things/v1/nothing');
    await app.request('/things/v1/crash');
    await app.request('/things/v1/slow');
    expect(requests().map((l) => [l.path, l.status])).toEqual([
      ['/things/v1/items/toolong', 400],
      ['/things/v1/nothing', 404],
      ['/things/v1/crash', 500],
      ['/things/v1/slow', 200],
    ]);
    expect(requests()[3]?.ms).toBeGreaterThanOrEqual(20);
  });

  it('sampled at rate 1 logs every request', async () => {
    const { app, requests } = edgeApp({ mode: 'sampled', sampleRate: 1, slowMs: 1000 });
    for (let i = 0; i < 5; i++) await app.request('/things/v1/items/a1');
    expect(requests()).toHaveLength(5);
  });
});
