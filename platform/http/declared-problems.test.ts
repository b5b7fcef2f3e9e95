import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { testLogger } from '../../tests/support/test-host.ts';
import { createApp, createRouter } from './create-app.ts';
import type { UndeclaredProblems } from './declared-problems.ts';
import { CleaveError } from './errors.ts';
import { contractRoute, jsonContent } from './route.ts';

const find = contractRoute({
  method: 'get',
  path: '/things/v1/items/{id}',
  access: 'public',
  request: { params: z.object({ id: z.string() }) },
  errors: { 404: ['things/item-not-found'] },
  responses: { 200: { description: 'ok', content: jsonContent(z.object({ id: z.string() })) } },
});

function app(mode?: UndeclaredProblems) {
  const lines: Record<string, unknown>[] = [];
  const a = createApp({ logger: testLogger(lines), bodyLimitBytes: 1024, ...(mode ? { undeclaredProblems: mode } : {}) });
  const router = createRouter();
  router.openapi(find, (c) => {
    const { id } = c.req.valid('param');
    if (id === 'gone') throw new CleaveError('not_found', 'things/item-not-found', 'No such item.');
    if (id === 'other-code') throw new CleaveError('not_found', 'things/shelf-not-found', 'No such shelf.');
    if (id === 'busy') throw new CleaveError('conflict', 'things/busy', 'Busy.');
    return c.json({ id }, 200);
  });
  a.route('/', router);
  return { app: a, lines };
}

const undeclaredLog = (lines: Record<string, unknown>[]) => lines.filter((l) => String(l.msg).startsWith('undeclared problem'));

describe('problems an operation did not declare', () => {
  it('a declared status and code pass unchanged and unlogged', async () => {
    const { app: a, lines } = app();
    const response = await a.request('/things/v1/items/gone');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'things/item-not-found' });
    expect(undeclaredLog(lines)).toEqual([]);
  });

  it.each([
    ['an undeclared status', 'busy', 409, 'things/busy'],
    ['an undeclared code for a declared status', 'other-code', 404, 'things/shelf-not-found'],
  ])('%s fails in fail mode (the default, for tests): a 500 naming it, and an error in the log', async (_, id, status, code) => {
    const { app: a, lines } = app();
    const response = await a.request(`/things/v1/items/${id}`);
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({
      code: 'http/undeclared-problem',
      detail: `GET /things/v1/items/{id} answered ${status} ${code}, which its contract does not declare.`,
    });
    expect(undeclaredLog(lines)).toEqual([expect.objectContaining({ level: 50, operation: 'GET /things/v1/items/{id}', status, code })]);
  });

  it('in log mode (production) the problem goes out as it was, and the log says it was undeclared', async () => {
    const { app: a, lines } = app('log');
    const response = await a.request('/things/v1/items/busy');
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'things/busy' });
    expect(undeclaredLog(lines)).toEqual([expect.objectContaining({ level: 50, status: 409, code: 'things/busy' })]);
  });
});

describe('what an operation documents', () => {
  type Responses = Record<string, { description: string; headers?: Record<string, unknown>; content?: Record<string, { schema: unknown }> }>;
  function documented(route: ReturnType<typeof contractRoute>) {
    const router = createRouter();
    router.openAPIRegistry.registerPath({ ...route, middleware: undefined } as never);
    const doc = router.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } }) as unknown as {
      paths: Record<string, Record<string, { responses: Responses; parameters?: { name: string; in: string }[] }>>;
    };
    return Object.values(Object.values(doc.paths)[0] ?? {})[0] as { responses: Responses; parameters?: { name: string; in: string }[] };
  }
  const codesOf = (responses: Responses, status: string) => {
    const schema = responses[status]?.content?.['application/problem+json']?.schema as { allOf: [unknown, { properties: { code: { enum: string[] } } }] };
    return schema.allOf[1].properties.code.enum;
  };

  it("a module's unsafe operation: its own codes, validation, body limits and timeout, idempotency keys, upstream failures", () => {
    const op = documented(
      contractRoute({
        method: 'post',
        path: '/things/v1/items',
        access: 'public',
        request: { body: { content: jsonContent(z.object({ name: z.string() })), required: true } },
        errors: { 409: ['things/name-taken'] },
        responses: { 201: { description: 'created', content: jsonContent(z.object({ id: z.string() })) } },
      }),
    );
    expect(Object.keys(op.responses).sort()).toEqual(['201', '400', '408', '409', '413', '415', '422', '429', '500', '502', '503', '504']);
    expect(codesOf(op.responses, '408')).toEqual(['http/request-timeout']);
    expect(codesOf(op.responses, '429')).toEqual(['http/too-many-requests']);
    expect(Object.keys(op.responses['429']?.headers ?? {})).toEqual(['Retry-After', 'RateLimit', 'RateLimit-Policy']);
    expect(codesOf(op.responses, '409')).toEqual(['http/idempotency-key-in-use', 'things/name-taken']);
    expect(codesOf(op.responses, '400')).toEqual(['http/validation-failed', 'http/malformed-json']);
    expect(codesOf(op.responses, '503')).toContain('http/circuit-open');
    expect(op.responses['409']?.description).toContain('Codes: `http/idempotency-key-in-use`, `things/name-taken`.');
    expect(op.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
  });

  it('a platform GET without inputs: only 429 (the per-IP limit) and 500', () => {
    const op = documented(contractRoute({ method: 'get', path: '/registry', access: 'public', responses: { 200: { description: 'ok' } } }));
    expect(Object.keys(op.responses).sort()).toEqual(['200', '429', '500']);
  });

  it('an operation that checks credentials may also answer 503 http/rate-limit-unavailable (its limit fails closed)', () => {
    const op = documented(
      contractRoute({
        method: 'post',
        path: '/things/v1/sign-in',
        access: 'public',
        credentials: { accounts: [{ field: 'username', secret: 'password' }] },
        request: { body: { content: jsonContent(z.object({ username: z.string() })), required: true } },
        responses: { 200: { description: 'ok' } },
      }),
    );
    expect(codesOf(op.responses, '503')).toContain('http/rate-limit-unavailable');
    expect(codesOf(op.responses, '429')).toEqual(['http/too-many-requests']);
  });

  it('a required If-Match header adds 428', () => {
    const op = documented(
      contractRoute({
        method: 'patch',
        path: '/things/v1/items/{id}',
        access: 'public',
        request: { params: z.object({ id: z.string() }), headers: z.object({ 'if-match': z.string() }) },
        responses: { 200: { description: 'ok' } },
      }),
    );
    expect(codesOf(op.responses, '428')).toEqual(['http/precondition-required']);
  });
});
