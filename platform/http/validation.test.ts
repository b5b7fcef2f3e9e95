import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { testLogger } from '../../tests/support/test-host.ts';
import { createApp, createRouter } from './create-app.ts';
import { contractRoute, jsonContent } from './route.ts';
import { queryInteger, text, uuid } from './schemas.ts';
import { textRuleBreaches } from './text-rules.ts';

const item = z
  .object({
    name: text({ min: 1, max: 5 }),
    count: z.number().int().min(1).max(10),
    amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    notes: z.array(z.string()).optional(),
    state: z.enum(['open', 'shut']).optional(),
  })
  .strict();

const save = contractRoute({
  method: 'put',
  path: '/things/v1/items/{id}',
  access: 'public',
  request: {
    params: z.object({ id: uuid() }),
    query: z.object({ limit: queryInteger({ min: 1, max: 100, default: 20 }), q: text({ min: 1, max: 10 }).optional() }),
    headers: z.object({ 'if-match': z.string().regex(/^"v\d+"$/, 'must be an ETag such as "v3"') }),
    body: { content: jsonContent(item), required: true },
  },
  responses: { 200: { description: 'ok', content: jsonContent(z.object({ name: z.string(), limit: z.number() })) } },
});

function app() {
  const a = createApp({ logger: testLogger(), bodyLimitBytes: 10_000 });
  const router = createRouter();
  router.openapi(save, (c) => c.json({ name: c.req.valid('json').name, limit: c.req.valid('query').limit }, 200));
  a.route('/', router);
  return a;
}

const id = '00000000-0000-0000-0000-000000000001';
const good = { name: 'Lamp', count: 2 };
type Problem = { status: number; code: string; detail: string; errors: { location: string; path: string; message: string; code: string }[] };

async function put(options: { path?: string; query?: string; body?: string; headers?: Record<string, string> } = {}) {
  const response = await app().request(`${options.path ?? `/things/v1/items/${id}`}${options.query ?? ''}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'if-match': '"v1"', ...options.headers },
    body: options.body ?? JSON.stringify(good),
  });
  return { status: response.status, body: (await response.json()) as Problem & Record<string, unknown> };
}

describe('the text rule: every string of every contract', () => {
  it.each([
    ['U+0000 in a body string', { body: JSON.stringify({ ...good, name: 'a\u0000b' }) }, 'body', 'name', 'must not contain U+0000 (NUL), found at position 2'],
    ['U+0000 in a query value', { query: '?q=a%00b' }, 'query', 'q', 'must not contain U+0000 (NUL)'],
    ['U+0000 in a path parameter', { path: '/things/v1/items/a%00b' }, 'path', 'id', 'must not contain U+0000 (NUL)'],
    ['a lone high surrogate', { body: '{"name":"a\\ud800","count":1}' }, 'body', 'name', 'must not contain an unpaired UTF-16 surrogate (U+D800)'],
    ['a lone low surrogate', { body: '{"name":"\\udc00a","count":1}' }, 'body', 'name', 'must not contain an unpaired UTF-16 surrogate (U+DC00)'],
    ['a byte order mark', { body: JSON.stringify({ ...good, name: '\ufeffab' }) }, 'body', 'name', 'must not contain U+FEFF (a byte order mark)'],
    ['U+0000 inside a list', { body: JSON.stringify({ ...good, notes: ['ok', 'x\u0000'] }) }, 'body', 'notes.1', 'must not contain U+0000'],
  ])('%s is a 400 naming the field', async (_, request, location, path, message) => {
    const { status, body } = await put(request);
    expect(status).toBe(400);
    expect(body.code).toBe('http/validation-failed');
    expect(body.errors).toContainEqual(expect.objectContaining({ location, path, code: 'invalid_characters', message: expect.stringContaining(message) }));
  });

  it('a problem never echoes a forbidden character: a field name holding U+0000 is written out', async () => {
    const { body } = await put({ path: '/things/v1/items/a%00b', body: '{"name":"Lamp","count":1,"na\\u0000me":1}' });
    expect(textRuleBreaches(body)).toEqual([]);
    // The path as a URI reference: the decoded U+0000 encoded again.
    expect(body.instance).toBe('/things/v1/items/a%00b');
    expect(body.errors).toContainEqual(
      expect.objectContaining({ path: 'na\\u0000me', message: expect.stringContaining('na\\u0000me is a field name that must not contain U+0000') }),
    );
  });

  it('a surrogate pair (an emoji) is text and counts as one character', async () => {
    const { status, body } = await put({ body: JSON.stringify({ ...good, name: '😀😀😀😀😀' }) });
    expect(status).toBe(200);
    expect(body.name).toBe('😀😀😀😀😀');
  });

  it('a body that is not UTF-8 is malformed, not silently repaired', async () => {
    const response = await app().request(`/things/v1/items/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'if-match': '"v1"' },
      body: new Uint8Array([...new TextEncoder().encode('{"name":"a'), 0xff, ...new TextEncoder().encode('","count":1}')]),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'http/malformed-json', detail: expect.stringContaining('not valid UTF-8') });
  });

  it('JSON declared in another charset is 415', async () => {
    const { status, body } = await put({ headers: { 'content-type': 'application/json; charset=iso-8859-1' } });
    expect(status).toBe(415);
    expect(body.code).toBe('http/unsupported-media-type');
    // A second charset parameter names a second encoding, in either order.
    for (const type of ['application/json; charset=utf-8; charset=latin1', 'application/json; charset=latin1; charset=utf-8'])
      expect((await put({ headers: { 'content-type': type } })).status).toBe(415);
    expect((await put({ headers: { 'content-type': 'application/json; charset=UTF-8' } })).status).not.toBe(415);
  });
});

describe('validation messages', () => {
  it('list every field of every part of the request once, saying what is accepted and what was sent', async () => {
    const { status, body } = await put({
      path: '/things/v1/items/nope',
      query: '?limit=1e2',
      headers: { 'if-match': 'v1' },
      body: JSON.stringify({ name: ' Lamp', count: 1.5, amount: 1e20, state: 'ajar', colour: 'red' }),
    });
    expect(status).toBe(400);
    expect(body.detail).toBe('The request has 8 invalid fields: id, limit, if-match, name, count, amount, state, colour.');
    expect(body.errors.map((e) => [e.location, e.path, e.code, e.message])).toEqual([
      ['path', 'id', 'invalid_format', 'id must be a UUID such as 0192f1c2-7b4e-7c1a-9d3e-2a6f0b8c4d51; got "nope".'],
      ['query', 'limit', 'invalid_format', 'limit must be a whole number from 1 to 100, in digits only; got "1e2".'],
      ['header', 'if-match', 'invalid_format', 'if-match must be an ETag such as "v3"; got "v1".'],
      ['body', 'name', 'invalid_format', 'name must not start or end with whitespace; got " Lamp".'],
      ['body', 'count', 'invalid_type', 'count must be a whole number from 1 to 10; got 1.5.'],
      ['body', 'amount', 'too_big', 'amount must be a whole number from 0 to 9007199254740991; got 100000000000000000000.'],
      ['body', 'state', 'invalid_value', 'state must be one of "open", "shut"; got "ajar".'],
      ['body', 'colour', 'unknown_field', 'colour is not a field of the request body; its fields are name, count, amount, notes, state.'],
    ]);
  });

  it('quotes unknown field names cut short, so an answer is never larger than the names sent', async () => {
    const names = Array.from({ length: 4 }, (_, i) => `${String(i).padStart(2, '0')}${'k'.repeat(2_000)}`);
    const sent = JSON.stringify({ name: 'Lamp', count: 1, ...Object.fromEntries(names.map((n) => [n, 1])) });
    const response = await app().request(`/things/v1/items/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'if-match': '"v1"' },
      body: sent,
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text.length).toBeLessThan(sent.length / 4);
    const body = JSON.parse(text) as { errors: { path: string; code: string }[] };
    expect(body.errors).toHaveLength(4);
    expect(body.errors[0]).toMatchObject({ path: `00${'k'.repeat(55)}…`, code: 'unknown_field' });
  });

  it.each(['1e2', ' 5', '0x10', '0b11', '5.0', '05', '', '-1', '101', '0'])('limit=%j is refused: digits only, within range', async (limit) => {
    const { status, body } = await put({ query: `?limit=${encodeURIComponent(limit)}` });
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      expect.objectContaining({ path: 'limit', message: expect.stringContaining('must be a whole number from 1 to 100, in digits only') }),
    ]);
  });

  it('limit in digits is read as a number', async () => {
    expect((await put({ query: '?limit=100' })).body.limit).toBe(100);
  });

  it('a missing field is required, saying what it must be', async () => {
    const { body } = await put({ body: JSON.stringify({ count: 1 }) });
    expect(body.errors).toEqual([
      {
        location: 'body',
        path: 'name',
        code: 'required',
        message: 'name is required; it must be text 1 to 5 characters long, without leading or trailing whitespace.',
      },
    ]);
  });

  it('a repeated query parameter is named', async () => {
    const { body } = await put({ query: '?limit=1&limit=2' });
    expect(body.errors).toEqual([expect.objectContaining({ path: 'limit', code: 'repeated', message: 'limit must be given once, not 2 times.' })]);
  });

  it('a UUID of any version, also 0, in either case, is accepted as format: uuid says', async () => {
    for (const value of ['00000000-0000-0000-0000-000000000000', '0190aaaa-0000-0000-0000-000000000001', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11']) {
      expect((await put({ path: `/things/v1/items/${value}` })).status).toBe(200);
    }
  });

  it('a missing If-Match is 428 Precondition Required, not 400', async () => {
    const response = await app().request(`/things/v1/items/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(good),
    });
    expect(response.status).toBe(428);
    expect(await response.json()).toMatchObject({
      code: 'http/precondition-required',
      errors: [{ location: 'header', path: 'if-match', code: 'required' }],
    });
  });
});

describe('field errors never quote a secret', () => {
  const signIn = contractRoute({
    method: 'post',
    path: '/things/v1/sign-in',
    access: 'public',
    request: {
      headers: z.object({ 'x-api-token': z.string().regex(/^tk_/, 'must start with tk_').optional() }),
      body: {
        content: jsonContent(z.object({ user: z.string(), password: z.string().min(8), client_secret: z.string().regex(/^cs_/, 'must start with cs_') })),
        required: true,
      },
    },
    responses: { 200: { description: 'ok', content: jsonContent(z.object({ ok: z.boolean() })) } },
  });

  it('a rejected password, client secret or token is described by its length, a plain field by its value', async () => {
    const a = createApp({ logger: testLogger(), bodyLimitBytes: 10_000 });
    const router = createRouter();
    router.openapi(signIn, (c) => c.json({ ok: true }, 200));
    a.route('/', router);
    const response = await a.request('/things/v1/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-token': 'leak-me-token' },
      body: JSON.stringify({ user: 42, password: 'leak-pw', client_secret: 'leak-me-secret' }),
    });
    const body = (await response.json()) as Problem;
    expect(response.status).toBe(400);
    expect(JSON.stringify(body)).not.toMatch(/leak-/);
    const messages = Object.fromEntries(body.errors.map((e) => [e.path, e.message]));
    expect(messages).toMatchObject({
      password: expect.stringContaining('got 7 characters (not shown)'),
      client_secret: expect.stringContaining('got 14 characters (not shown)'),
      'x-api-token': expect.stringContaining('got 13 characters (not shown)'),
      user: expect.stringContaining('got 42'),
    });
  });
});
