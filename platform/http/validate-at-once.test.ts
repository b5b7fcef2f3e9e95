import { OpenAPIHono, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { testLogger } from '../../tests/support/test-host.ts';
import type { AppEnv } from './app-env.ts';
import { createApp, createRouter } from './create-app.ts';
import { contractRoute, jsonContent } from './route.ts';
import { marksOf } from './route-marks.ts';
import { queryInteger, text, uuid } from './schemas.ts';
import { validationHook } from './validation-hook.ts';

const read = contractRoute({
  method: 'get',
  path: '/things/v1/items/{id}',
  access: 'public',
  request: {
    params: z.object({ id: uuid() }),
    query: z.object({
      limit: queryInteger({ min: 1, max: 100, default: 20 }),
      q: text({ min: 1, max: 10 }).optional(),
      // An async refinement: the synchronous parse cannot run it and must fall back to the awaited one.
      slow: text({ min: 1, max: 10 })
        .refine(async (value) => value !== 'refused', 'is refused')
        .optional(),
    }),
    headers: z.object({
      'If-None-Match': z
        .string()
        .regex(/^"v\d+"$/, 'must be an ETag such as "v3"')
        .optional(),
      'x-tag': text({ min: 1, max: 5 }),
    }),
  },
  responses: {
    200: { description: 'ok', content: jsonContent(z.object({ id: z.string(), limit: z.number(), tag: z.string(), etag: z.string().optional() })) },
  },
});

function app(router: OpenAPIHono<AppEnv>) {
  const a = createApp({ logger: testLogger(), bodyLimitBytes: 10_000 });
  router.openapi(read, (c) => {
    if (c.req.valid('param').id === failing) throw new Error('the handler failed');
    const headers = c.req.valid('header');
    return c.json({ id: c.req.valid('param').id, limit: c.req.valid('query').limit, tag: headers['x-tag'], etag: headers['If-None-Match'] }, 200);
  });
  a.route('/', router);
  return a;
}

const id = '00000000-0000-0000-0000-000000000001';
const failing = '00000000-0000-0000-0000-0000000000ff';
const cases: [string, string, Record<string, string>][] = [
  ['a good read', `/things/v1/items/${id}`, { 'x-tag': 'abc' }],
  ['a good read with every part', `/things/v1/items/${id}?limit=5&q=lamp&slow=ok`, { 'x-tag': 'abc', 'if-none-match': '"v3"' }],
  ['a header named in another case', `/things/v1/items/${id}`, { 'X-TAG': 'abc', 'IF-NONE-MATCH': '"v1"' }],
  ['a bad path parameter', '/things/v1/items/nope', { 'x-tag': 'abc' }],
  ['a limit out of range', `/things/v1/items/${id}?limit=0`, { 'x-tag': 'abc' }],
  ['a repeated query parameter', `/things/v1/items/${id}?q=a&q=b`, { 'x-tag': 'abc' }],
  ['U+0000 in a query value', `/things/v1/items/${id}?q=a%00b`, { 'x-tag': 'abc' }],
  ['U+0000 in a path parameter', '/things/v1/items/a%00b', { 'x-tag': 'abc' }],
  ['a missing header', `/things/v1/items/${id}`, {}],
  ['a header of the wrong shape', `/things/v1/items/${id}`, { 'x-tag': 'abc', 'if-none-match': 'v3' }],
  ['an async refinement that passes', `/things/v1/items/${id}?slow=fine`, { 'x-tag': 'abc' }],
  ['an async refinement that refuses', `/things/v1/items/${id}?slow=refused`, { 'x-tag': 'abc' }],
  ['a handler that throws', `/things/v1/items/${failing}`, { 'x-tag': 'abc' }],
  ['every part wrong at once', '/things/v1/items/nope?limit=1000&slow=refused', { 'x-tag': 'toolong' }],
];

describe('reads validated at once', () => {
  const fast = app(createRouter());
  // zod-openapi's own validators, one per part, with the same hook: what the single middleware must match.
  const reference = app(new OpenAPIHono<AppEnv>({ defaultHook: validationHook }));

  it.each(cases)('%s: the same status and body as zod-openapi’s validators', async (_name, path, headers) => {
    const answer = async (a: typeof fast) => {
      const response = await a.request(path, { headers: { 'x-request-id': 'same-id', ...headers } });
      return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
    };
    const [got, expected] = await Promise.all([answer(fast), answer(reference)]);
    expect(got).toEqual(expected);
    if (got.status !== 200) expect(got.type).toBe('application/problem+json');
  });

  it('answers from one function: the declaration, one validation for every part and the handler', () => {
    const handlers = fast.routes.filter((r) => r.path === '/things/v1/items/:id' && r.method === 'GET');
    const referenceHandlers = reference.routes.filter((r) => r.path === '/things/v1/items/:id' && r.method === 'GET');
    // zod-openapi: the declaration, a validator per part (query, path, headers), the handler.
    expect(referenceHandlers).toHaveLength(5);
    expect(handlers).toHaveLength(1);
    // The function carries the declaration's marks, which the access check finds the route's policy by, and the
    // metrics the operation of a request answered before the route ran.
    expect(marksOf(handlers[0]!.handler)).toMatchObject({ access: 'public', contract: { operation: 'GET /things/v1/items/{id}' } });
    expect(Object.keys(marksOf(handlers[0]!.handler) ?? {}).sort()).toEqual(['access', 'contract']);
  });
});
