import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { testLogger } from '../../tests/support/test-host.ts';
import { createApp, createRouter } from './create-app.ts';
import { contractRoute, jsonContent } from './route.ts';
import { routeMarks } from './route-marks.ts';

const form = { 'application/x-www-form-urlencoded': { schema: z.object({ name: z.string(), note: z.string().optional() }) } };
const echo = jsonContent(z.object({ name: z.string(), note: z.string().optional() }));

const submit = contractRoute({
  method: 'post',
  path: '/things/v1/forms',
  access: 'public',
  request: { body: { content: form, required: true } },
  idempotencyKey: false,
  responses: { 200: { description: 'ok', content: echo } },
});
const create = contractRoute({
  method: 'post',
  path: '/things/v1/items',
  access: 'public',
  request: { body: { content: echo, required: true } },
  responses: { 200: { description: 'ok', content: echo } },
});

function app() {
  const a = createApp({ logger: testLogger(), bodyLimitBytes: 1024 });
  const router = createRouter();
  router.openapi(submit, (c) => c.json({ ...c.req.valid('form'), ...(routeMarks(c).noIdempotencyKey ? {} : { note: 'keyed' }) }, 200));
  router.openapi(create, (c) => c.json(c.req.valid('json'), 200));
  a.route('/', router);
  return a;
}

const post = (path: string, type: string, body: string) => app().request(path, { method: 'POST', headers: { 'content-type': type }, body });

describe('a route that declares a form body', () => {
  it('reads the form, strictly decoded; the JSON-only rule lets it through', async () => {
    const response = await post('/things/v1/forms', 'application/x-www-form-urlencoded', 'name=J%C3%BCrgen+M&note=a%26b&ignored=1');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: 'Jürgen M', note: 'a&b' });
  });

  it('refuses another media type with 415 and a broken form with 400, and lists missing or repeated fields', async () => {
    const json = await post('/things/v1/forms', 'application/json', '{"name":"x"}');
    expect(json.status).toBe(415);
    expect(json.headers.get('accept-post')).toBe('application/x-www-form-urlencoded');
    expect(await (await post('/things/v1/forms', 'application/x-www-form-urlencoded', 'name=%FF')).json()).toMatchObject({
      status: 400,
      code: 'http/malformed-form',
    });
    expect(await (await post('/things/v1/forms', 'application/x-www-form-urlencoded', 'name=%E0%A4')).json()).toMatchObject({ code: 'http/malformed-form' });
    const missing = await (await post('/things/v1/forms', 'application/x-www-form-urlencoded', 'note=x')).json();
    expect(missing).toMatchObject({ status: 400, code: 'http/validation-failed', errors: [{ location: 'form', path: 'name', code: 'required' }] });
    const repeated = await post('/things/v1/forms', 'application/x-www-form-urlencoded', 'name=a&name=b');
    expect(await repeated.json()).toMatchObject({
      status: 400,
      errors: [{ location: 'form', path: 'name', code: 'repeated', message: 'name must be given once, not 2 times.' }],
    });
  });

  it('is the only exception: a JSON route still refuses a form with 415', async () => {
    const response = await post('/things/v1/items', 'application/x-www-form-urlencoded', 'name=x');
    expect(response.status).toBe(415);
  });

  it('a route that declines Idempotency-Key does not document it, and says so to the app-wide middleware', async () => {
    const params = (route: object) => Object.keys((route as { request?: { headers?: z.ZodObject } }).request?.headers?.shape ?? {});
    expect(params(submit)).not.toContain('Idempotency-Key');
    expect(params(create)).toContain('Idempotency-Key');
    const response = await post('/things/v1/forms', 'application/x-www-form-urlencoded', 'name=x');
    expect(await response.json()).toEqual({ name: 'x' });
  });
});
