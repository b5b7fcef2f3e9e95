/** An app with a route for each kind of answer the edge must dress alike, for the edge's tests on every path. */
import { z } from '@hono/zod-openapi';
import type { RequestLogOptions } from '../../platform/http/access-log.ts';
import { createApp, createRouter } from '../../platform/http/create-app.ts';
import { contractRoute } from '../../platform/http/route.ts';
import { currentContext } from '../../platform/observability/index.ts';
import { testLogger } from './test-host.ts';

const item = contractRoute({
  method: 'get',
  path: '/things/v1/items/{id}',
  access: 'public',
  request: { params: z.object({ id: z.string().max(4) }) },
  responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ id: z.string() }) } } } },
});

const create = contractRoute({
  method: 'post',
  path: '/things/v1/items',
  access: 'public',
  request: { body: { content: { 'application/json': { schema: z.object({ name: z.string() }) } }, required: true } },
  responses: { 201: { description: 'created', content: { 'application/json': { schema: z.object({ name: z.string() }) } } } },
});

/** An app with a route for each kind of answer: success, validation problem, crash, slow, own header, raw Response. */
export function edgeApp(requestLog?: RequestLogOptions, cors?: { origins: string[]; credentials: boolean }) {
  const lines: Record<string, unknown>[] = [];
  const app = createApp({ logger: testLogger(lines), bodyLimitBytes: 64, ...(requestLog ? { requestLog } : {}), ...(cors ? { cors } : {}) });
  const router = createRouter();
  router.openapi(item, (c) => c.json({ id: c.req.valid('param').id }, 200));
  router.openapi(create, (c) => c.json({ name: c.req.valid('json').name }, 201));
  router.get('/things/v1/crash', () => {
    throw new Error('on purpose');
  });
  router.get('/things/v1/slow', async (c) => {
    await new Promise((resolve) => setTimeout(resolve, 30));
    return c.json({ slow: true });
  });
  router.get('/things/v1/framed', (c) => {
    c.header('x-frame-options', 'DENY');
    return c.json({ framed: true });
  });
  router.get('/things/v1/raw', () => new Response('raw', { headers: { 'content-type': 'text/plain' } }));
  router.get('/things/v1/context', (c) => c.json(currentContext() ?? {}));
  app.route('/', router);
  return { app, lines, requests: () => lines.filter((l) => l.msg === 'request') };
}

const json = { 'content-type': 'application/json' };

/** Every kind of answer the edge must dress alike: the method, path, headers and body of each, and the status. */
export const everyAnswer: { label: string; status: number; init: RequestInit & { path: string } }[] = [
  { label: '200', status: 200, init: { path: '/things/v1/items/a1' } },
  { label: 'HEAD', status: 200, init: { path: '/things/v1/items/a1', method: 'HEAD' } },
  { label: '201 POST', status: 201, init: { path: '/things/v1/items', method: 'POST', headers: json, body: '{"name":"x"}' } },
  { label: '400 validation', status: 400, init: { path: '/things/v1/items/toolong' } },
  { label: '404', status: 404, init: { path: '/things/v1/nothing' } },
  { label: 'HEAD 404', status: 404, init: { path: '/things/v1/nothing', method: 'HEAD' } },
  { label: '405', status: 405, init: { path: '/things/v1/items/a1', method: 'DELETE' } },
  { label: '413', status: 413, init: { path: '/things/v1/items', method: 'POST', headers: json, body: JSON.stringify({ name: 'x'.repeat(100) }) } },
  { label: '415', status: 415, init: { path: '/things/v1/items', method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' } },
  { label: '500', status: 500, init: { path: '/things/v1/crash' } },
  { label: 'raw Response', status: 200, init: { path: '/things/v1/raw' } },
];
