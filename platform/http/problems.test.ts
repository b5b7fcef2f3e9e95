import { gzipSync } from 'node:zlib';
import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { testLogger } from '../../tests/support/test-host.ts';
import { createApp, createRouter } from './create-app.ts';
import { CleaveError, errorKinds } from './errors.ts';
import { problem, statusByKind, uriReference } from './problem.ts';
import { asForwarder, asMiddleware } from './route-marks.ts';
import { contractRoute } from './route.ts';
import { checkJsonText, maxNestingDepth } from './strict-json.ts';

const echo = contractRoute({
  method: 'post',
  path: '/things/v1/items/{id}',
  access: 'public',
  request: {
    params: z.object({ id: z.uuid() }),
    query: z.object({ dryRun: z.enum(['true', 'false']).optional() }),
    body: { content: { 'application/json': { schema: z.object({ name: z.string().min(1), count: z.number().int() }).strict() } }, required: true },
  },
  responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ name: z.string() }) } } } },
});

const search = contractRoute({
  method: 'get',
  path: '/things/v1/items',
  access: 'public',
  request: { query: z.object({ q: z.string().optional(), limit: z.coerce.number().int().optional() }) },
  responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ q: z.string().nullable() }) } } } },
});

const archive = contractRoute({
  method: 'post',
  path: '/things/v1/items/{id}/archive',
  access: 'public',
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ archived: z.boolean() }) } } } },
});

class WidgetMissing extends Error {
  readonly kind = 'not_found';
  readonly code = 'things/widget-missing';
  readonly details = { widgetId: 'w-1' };
}

function appUnderTest(bodyLimitBytes = 1024, undeclaredProblems: 'fail' | 'log' = 'fail') {
  const logLines: Record<string, unknown>[] = [];
  const app = createApp({ logger: testLogger(logLines), bodyLimitBytes, undeclaredProblems });
  const router = createRouter();
  router.openapi(echo, (c) => c.json({ name: c.req.valid('json').name }, 200));
  router.openapi(archive, (c) => c.json({ archived: true }, 200));
  router.openapi(search, (c) => c.json({ q: c.req.valid('query').q ?? null }, 200));
  router.get('/things/v1/missing', () => {
    throw new WidgetMissing('Widget w-1 is not here.');
  });
  router.get('/things/v1/kind/:kind', (c) => {
    throw new CleaveError(c.req.param('kind') as (typeof errorKinds)[number], 'things/by-kind', 'Failed on purpose.');
  });
  router.get('/things/v1/clash', () => {
    throw new CleaveError('conflict', 'things/state-conflict', 'The widget is shipped.', { details: { status: 'shipped', widgetId: 'w-1' } });
  });
  router.get('/things/v1/crash', () => {
    throw new Error('connection string postgres://admin:hunter2@db/secret broke');
  });
  app.route('/', router);
  return { app, logLines };
}

const id = '0190aaaa-0000-7000-8000-000000000001';
const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }, path = `/things/v1/items/${id}`) =>
  appUnderTest().app.request(path, { method: 'POST', headers, body });

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ type: `urn:cleave:problem:${code}`, status, code, title: expect.any(String) });
  expect(body.requestId).toBe(response.headers.get('x-request-id'));
  expect(typeof body.instance).toBe('string');
  return body;
}

describe('problem responses', () => {
  it('a valid request passes through', async () => {
    const response = await post(JSON.stringify({ name: 'a', count: 1 }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: 'a' });
  });

  it('validation lists one entry per offending field, with where it was', async () => {
    const body = await expectProblem(
      await post(JSON.stringify({ name: '', count: 1.5, extra: true }), undefined, '/things/v1/items/not-a-uuid'),
      400,
      'http/validation-failed',
    );
    // Every part of the request is reported at once: the path parameter and each field of the body.
    expect((body.errors as { location: string; path: string }[]).map((e) => `${e.location}:${e.path}`)).toEqual([
      'path:id',
      'body:name',
      'body:count',
      'body:extra',
    ]);
    const bodyErrors = await expectProblem(await post(JSON.stringify({ name: '', count: 1.5, extra: true })), 400, 'http/validation-failed');
    const fields = (bodyErrors.errors as { location: string; path: string }[]).map((e) => `${e.location}:${e.path}`).sort();
    expect(fields).toEqual(['body:count', 'body:extra', 'body:name']);
  });

  it('an unsafe operation that reads no body takes none, or {}: anything else is refused, not ignored', async () => {
    const { app } = appUnderTest(65_536);
    const send = (body?: string) =>
      app.request(`/things/v1/items/${id}/archive`, {
        method: 'POST',
        ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
      });
    for (const fine of [undefined, '', '{}', ' { } ']) expect((await send(fine)).status).toBe(200);
    for (const broken of ['{', '{"a":1,"a":2}', '[[[', '{"reason": not json']) await expectProblem(await send(broken), 400, 'http/malformed-json');
    const members = await expectProblem(await send('{"customerId":"someone else","reason":"x"}'), 400, 'http/validation-failed');
    expect(members.errors).toEqual([
      { location: 'body', path: 'customerId', message: 'Unrecognized field "customerId": this operation takes no body.', code: 'unknown_field' },
      { location: 'body', path: 'reason', message: 'Unrecognized field "reason": this operation takes no body.', code: 'unknown_field' },
    ]);
    for (const other of ['[1,2]', '1', 'null', '"x"']) await expectProblem(await send(other), 400, 'http/validation-failed');
    const many = await expectProblem(
      await send(JSON.stringify(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${'n'.repeat(100)}${i}`, i])))),
      400,
      'http/validation-failed',
    );
    expect((many.errors as { path: string }[]).map((e) => e.path)).toEqual(Array.from({ length: 20 }, () => `${'n'.repeat(60)}…`));
  });

  it('a query that is not valid percent-encoding of UTF-8 is a 400 naming the field, not taken as literal text', async () => {
    const { app } = appUnderTest();
    expect(await (await app.request('/things/v1/items?q=caf%C3%A9+au+lait')).json()).toEqual({ q: 'café au lait' });
    for (const query of ['q=%ff', 'q=%ED%A0%80', 'q=%E', 'limit=%ff&q=ok']) {
      const body = await expectProblem(await app.request(`/things/v1/items?${query}`), 400, 'http/validation-failed');
      expect((body.errors as { location: string; path: string; code: string }[]).map((e) => [e.location, e.path, e.code])).toEqual([
        ['query', query.split('=')[0], 'invalid_characters'],
      ]);
    }
    // An operation with a body and a query too (validated by zod-openapi's own validators, after the declaration).
    await expectProblem(await post(JSON.stringify({ name: 'a', count: 1 }), undefined, `/things/v1/items/${id}?dryRun=%ff`), 400, 'http/validation-failed');
  });

  it('an unknown route is 404', async () => {
    await expectProblem(await appUnderTest().app.request('/nowhere'), 404, 'http/not-found');
  });

  it('a known path with the wrong method is 405 with Allow', async () => {
    const response = await appUnderTest().app.request(`/things/v1/items/${id}`, { method: 'DELETE' });
    await expectProblem(response, 405, 'http/method-not-allowed');
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('an unknown path or method is 404 or 405 whatever the body is (not 415 or 413); the body checks stay on real routes', async () => {
    const { app } = appUnderTest(16);
    // Middleware for every method under the module's prefix (as the idempotency and canary middleware are) serves nothing.
    app.on(
      ['POST', 'PUT'],
      '/things/*',
      asMiddleware((_c, next) => next()),
    );
    app.use('/things/*', (_c, next) => next());
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    await expectProblem(await app.request('/things/v1/nothing-here', { method: 'POST', headers: form, body: 'a=1' }), 404, 'http/not-found');
    await expectProblem(
      await app.request('/nowhere', { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(64) }),
      404,
      'http/not-found',
    );
    const wrongMethod = await app.request(`/things/v1/items/${id}`, { method: 'PATCH', headers: form, body: 'x'.repeat(64) });
    await expectProblem(wrongMethod, 405, 'http/method-not-allowed');
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    await expectProblem(await app.request(`/things/v1/items/${id}`, { method: 'POST', headers: form, body: 'a=1' }), 415, 'http/unsupported-media-type');
    const json = { 'content-type': 'application/json' };
    await expectProblem(
      await app.request(`/things/v1/items/${id}`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'x'.repeat(64) }) }),
      413,
      'http/payload-too-large',
    );
    // A handler for every method that serves its paths (the gateway's forwarder) keeps the checks.
    app.all(
      '/forwarded/*',
      asForwarder((c) => c.json({ forwarded: true })),
    );
    await expectProblem(await app.request('/forwarded/v1/x', { method: 'POST', headers: form, body: 'a=1' }), 415, 'http/unsupported-media-type');
    expect((await app.request('/forwarded/v1/x', { method: 'POST', headers: json, body: '{}' })).status).toBe(200);
  });

  it('middleware registered for some methods makes no path known: an unknown path under it stays 404', async () => {
    const { app } = appUnderTest();
    app.on(
      ['POST', 'DELETE'],
      '/things/*',
      asMiddleware((_c, next) => next()),
    );
    await expectProblem(await app.request('/things/v1/nothing-here'), 404, 'http/not-found');
    // A known path keeps its 405, naming only the route's own method.
    const response = await app.request(`/things/v1/items/${id}`, { method: 'DELETE' });
    await expectProblem(response, 405, 'http/method-not-allowed');
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('a body over the limit is 413', async () => {
    await expectProblem(await post(JSON.stringify({ name: 'x'.repeat(2000), count: 1 })), 413, 'http/payload-too-large');
  });

  it('a body that is not JSON is 415', async () => {
    const response = await post('name=a', { 'content-type': 'application/x-www-form-urlencoded' });
    await expectProblem(response, 415, 'http/unsupported-media-type');
  });

  it('a JSON media type the route would not read is the declared 415, with a detail, not a bare http/415', async () => {
    for (const type of ['application/json ;charset=utf-8', 'application/json;', 'application/vnd.v2+json']) {
      const body = await expectProblem(await post('{"name":"a","count":1}', { 'content-type': type }), 415, 'http/unsupported-media-type');
      expect(body.detail).toContain(type);
    }
    // What the route reads still passes.
    expect((await post('{"name":"a","count":1}', { 'content-type': 'application/json; charset=UTF-8' })).status).toBe(200);
  });

  it('a body in a content coding is 415 naming it, with Accept-Encoding (RFC 9110 §15.5.16), not malformed JSON', async () => {
    const zipped = gzipSync('{"name":"a","count":1}');
    const response = await appUnderTest().app.request(`/things/v1/items/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: zipped,
    });
    const body = await expectProblem(response, 415, 'http/unsupported-media-type');
    expect(body.detail).toContain('gzip');
    expect(response.headers.get('accept-encoding')).toBe('identity');
    const plain = await post('{"name":"a","count":1}', { 'content-type': 'application/json', 'content-encoding': 'identity' });
    expect(plain.status).toBe(200);
  });

  it('a body without a content type is 415', async () => {
    await expectProblem(await post('{"name":"a","count":1}', {}), 415, 'http/unsupported-media-type');
  });

  it('malformed JSON is 400 http/malformed-json', async () => {
    await expectProblem(await post('{"name": "a",'), 400, 'http/malformed-json');
  });

  it('JSON nested deeper than the limit is 400 http/malformed-json, not a 500 from a walk that overflows the stack', async () => {
    const deep = (n: number, open: string, close: string) => `{"name":"a","count":1,"x":${open.repeat(n)}1${close.repeat(n)}}`;
    for (const body of [deep(3000, '{"a":', '}'), deep(5000, '[', ']'), deep(maxNestingDepth, '[', ']')]) {
      const response = await appUnderTest(1_000_000).app.request(`/things/v1/items/${id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const problem = await expectProblem(response, 400, 'http/malformed-json');
      expect(problem.detail).toContain(`more than ${maxNestingDepth} levels deep`);
    }
    // At the limit the body parses and goes on to validation (the extra field is refused there).
    const atLimit = `{"name":"a","count":1,"x":${'['.repeat(maxNestingDepth - 1)}1${']'.repeat(maxNestingDepth - 1)}}`;
    await expectProblem(await post(atLimit), 400, 'http/validation-failed');
    // Brackets inside strings are text, not nesting.
    expect(checkJsonText(`{"a":"${'['.repeat(500)}\\"${'{'.repeat(500)}"}`, 2)).toBeUndefined();
  });

  it('an object that repeats a member name is 400 http/malformed-json naming it, whichever way the name is written', async () => {
    const cases: [string, string][] = [
      ['{"name":"a","count":1,"name":"b"}', '"name"'],
      ['{"name":"a","count":1,"\\u006eame":"b"}', '"name"'],
      ['{"name":"a","count":1,"x":[{"k":1},{"k":2,"k":3}]}', '"k"'],
      ['{"name":"a","count":1,"x":{"a\\"b":1,"a\\u0022b":2}}', '"a\\"b"'],
    ];
    for (const [body, name] of cases) {
      const problem = await expectProblem(await post(body), 400, 'http/malformed-json');
      expect(problem.detail).toContain(`repeats the member ${name}`);
    }
  });

  it('the same name in different objects, names inside strings, and a value equal to a name are not repeats', () => {
    for (const text of [
      '{"a":1,"b":{"a":2,"b":[{"a":3},{"a":4}]}}',
      '{"a":"a","b":"a"}',
      '{"a":"{\\"a\\":1,\\"a\\":2}","b":["a","a"]}',
      '[{"a":1},{"a":1}]',
      '{"":1,"a":{"":2}}',
    ])
      expect(checkJsonText(text, maxNestingDepth), text).toBeUndefined();
    expect(checkJsonText('{"":1,"":2}', maxNestingDepth)).toEqual({ kind: 'repeated-member', name: '' });
  });

  it('a number whose fraction a double cannot hold, read as a whole number, is 400 http/malformed-json; exact numbers pass', async () => {
    for (const [count, read] of [
      ['1999.9999999999999999', '2000'],
      ['2.9999999999999999', '3'],
      ['-4.00000000000000001', '-4'],
      ['29999999999999999e-16', '3'],
      ['1e-400', '0'],
    ]) {
      const problem = await expectProblem(await post(`{"name":"a","count":${count}}`), 400, 'http/malformed-json');
      expect(problem.detail).toContain(`number ${count} has more digits than a number here can hold: it would be read as ${read}`);
    }
    for (const text of ['{"a":2.0}', '{"a":2.50e1}', '{"a":100e-2}', '{"a":1.5}', '{"a":0.1}', '{"a":-0.0}', '{"a":1e21}', '{"a":"1999.9999999999999999"}'])
      expect(checkJsonText(text, maxNestingDepth), text).toBeUndefined();
    // The validator, not the reader, answers a whole number written with a zero fraction, or a plain fraction.
    await expectProblem(await post('{"name":"a","count":1.5}'), 400, 'http/validation-failed');
  });

  it('a domain error maps through the kind table and keeps its fields', async () => {
    const body = await expectProblem(await appUnderTest().app.request('/things/v1/missing'), 404, 'things/widget-missing');
    expect(body).toMatchObject({ detail: 'Widget w-1 is not here.', widgetId: 'w-1' });
  });

  it('an error whose fields are named like problem members is a 500 in tests and logged, never a silently lost field', async () => {
    const strict = appUnderTest();
    const failed = await expectProblem(await strict.app.request('/things/v1/clash'), 500, 'http/internal');
    expect(failed.detail).toBe('The error things/state-conflict has fields named like problem members (status), which would be lost.');
    expect(strict.logLines).toContainEqual(expect.objectContaining({ level: 50, code: 'things/state-conflict', fields: ['status'] }));
    // In production (undeclared problems only logged) the answer keeps its status and the other fields; the log says why.
    const lenient = appUnderTest(1024, 'log');
    const kept = await expectProblem(await lenient.app.request('/things/v1/clash'), 409, 'things/state-conflict');
    expect(kept).toMatchObject({ status: 409, widgetId: 'w-1' });
    expect(lenient.logLines).toContainEqual(expect.objectContaining({ level: 50, fields: ['status'] }));
  });

  it.each(errorKinds)('kind %s maps to its status', async (kind) => {
    await expectProblem(await appUnderTest().app.request(`/things/v1/kind/${kind}`), statusByKind[kind], 'things/by-kind');
  });

  it('an unexpected error is a 500 with no internals, logged with its cause (URL passwords masked)', async () => {
    const { app, logLines } = appUnderTest();
    const response = await app.request('/things/v1/crash');
    const body = await expectProblem(response, 500, 'http/internal');
    expect(JSON.stringify(body)).not.toMatch(/hunter2|postgres|stack|Error:/);
    const logged = logLines.find((l) => l.msg === 'request failed');
    expect(JSON.stringify(logged)).toContain('connection string postgres://admin:[redacted]@db/secret broke');
    expect(JSON.stringify(logged)).not.toContain('hunter2');
    expect(logged?.requestId).toBe(body.requestId);
  });
});

describe('request id', () => {
  it('is generated when absent and echoed', async () => {
    const response = await appUnderTest().app.request('/nowhere');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('is taken from X-Request-Id when well-formed', async () => {
    const response = await appUnderTest().app.request('/nowhere', { headers: { 'x-request-id': 'abc-123' } });
    expect(response.headers.get('x-request-id')).toBe('abc-123');
    expect(((await response.json()) as { requestId: string }).requestId).toBe('abc-123');
  });

  it.each([
    ['too long', 'a'.repeat(200)],
    ['unsafe characters', 'abc<script>'],
    ['spaces', 'a b'],
  ])('is replaced when %s', async (_, value) => {
    const response = await appUnderTest().app.request('/nowhere', { headers: { 'x-request-id': value } });
    expect(response.headers.get('x-request-id')).not.toBe(value);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('secure headers', () => {
  it('are set on every response', async () => {
    const response = await appUnderTest().app.request('/nowhere');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('strict-transport-security')).toContain('max-age=');
  });
});

describe('request logging', () => {
  it('writes one JSON line per request with the request id', async () => {
    const { app, logLines } = appUnderTest();
    await app.request('/nowhere', { headers: { 'x-request-id': 'log-me' } });
    expect(logLines).toContainEqual(expect.objectContaining({ msg: 'request', requestId: 'log-me', status: 404, method: 'GET', path: '/nowhere' }));
  });
});

describe("a problem's instance", () => {
  it('is a URI reference (RFC 9457 §3.1.5): what the router decoded is encoded again, escapes kept, a stray % and a lone surrogate encoded', () => {
    expect(uriReference('/catalog/v1/products/a b')).toBe('/catalog/v1/products/a%20b');
    expect(uriReference('/identity/v1/clients/ü')).toBe('/identity/v1/clients/%C3%BC');
    expect(uriReference('/x/v1/a%2Fb/%25/100%')).toBe('/x/v1/a%2Fb/%25/100%25');
    expect(uriReference('/x/v1/\u0000\u200b\ud800😀')).toBe('/x/v1/%00%E2%80%8B%EF%BF%BD%F0%9F%98%80');
    expect(uriReference("/x/v1/items/a-b_c.d~e!$&'()*+,;=:@")).toBe("/x/v1/items/a-b_c.d~e!$&'()*+,;=:@");
    expect(problem({ status: 404, code: 'http/not-found', instance: '/a b' }).instance).toBe('/a%20b');
  });
});
