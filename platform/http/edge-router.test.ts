import { z } from '@hono/zod-openapi';
import { matchedRoutes } from 'hono/route';
import { describe, expect, it } from 'vitest';
import { testLogger } from '../../tests/support/test-host.ts';
import { createApp, createRouter, type App } from './create-app.ts';
import type { EdgeRouter } from './edge-router.ts';
import { errorHandler } from './error-handler.ts';
import { CleaveError } from './errors.ts';
import { contractRoute } from './route.ts';

const item = contractRoute({
  method: 'get',
  path: '/things/v1/items/{id}',
  access: 'public',
  request: { params: z.object({ id: z.string().max(8) }) },
  responses: {
    200: { description: 'ok', content: { 'application/json': { schema: z.object({ id: z.string(), route: z.string(), last: z.string().optional() }) } } },
  },
});

/**
 * One app as `createApp` makes it, and one whose router never merges (the edge it is told to merge is another
 * function), so that every path goes through Hono's `compose`, as before `EdgeRouter`.
 */
function apps() {
  const made = ['merged', 'composed'].map((kind) => {
    const logLines: Record<string, unknown>[] = [];
    const app = createApp({ logger: testLogger(logLines), bodyLimitBytes: 1024 });
    if (kind === 'composed') (app.router as EdgeRouter<never>).around(async () => undefined, errorHandler);
    const things = createRouter();
    things.openapi(item, (c) => c.json({ id: c.req.valid('param').id, route: c.req.routePath, last: matchedRoutes(c).at(-1)?.path }, 200));
    things.get('/things/v1/sync', (c) => c.text('sync'));
    things.get('/things/v1/later', async (c) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return c.text('later');
    });
    things.get('/things/v1/throws', () => {
      throw new CleaveError('conflict', 'things/state-conflict', 'Thrown at once.');
    });
    things.get('/things/v1/rejects', async () => {
      await Promise.resolve();
      throw new CleaveError('not_found', 'things/missing', 'Rejected later.');
    });
    things.get('/things/v1/bug', () => {
      throw new TypeError('a bug');
    });
    things.get('/things/v1/forgets', () => undefined as unknown as Response);
    things.get('/things/v1/header-then-answer', (c) => {
      c.header('x-thing', 'yes');
      return c.json({ ok: true });
    });
    // Module middleware: three handlers match its paths, so they go through `compose` in both apps.
    things.use('/things/v1/guarded/*', async (c, next) => {
      c.header('x-guard', 'passed');
      await next();
    });
    things.get('/things/v1/guarded/one', (c) => c.text('guarded'));
    // A module whose literal segment beside a parameter defeats the RegExpRouter: its router is a TrieRouter.
    const people = createRouter();
    people.get('/people/v1/users/me', (c) => c.text('me'));
    people.get('/people/v1/users/:id/contact', (c) => c.json({ id: c.req.param('id'), route: c.req.routePath, last: matchedRoutes(c).at(-1)?.path }));
    app.route('/', things);
    app.route('/', people);
    return { app, logLines };
  });
  return { merged: made[0]!, composed: made[1]! };
}

const paths = [
  '/things/v1/items/abc',
  '/things/v1/items/much-too-long',
  '/things/v1/sync',
  '/things/v1/later',
  '/things/v1/throws',
  '/things/v1/rejects',
  '/things/v1/bug',
  '/things/v1/forgets',
  '/things/v1/header-then-answer',
  '/things/v1/guarded/one',
  '/people/v1/users/me',
  '/people/v1/users/u7/contact',
  '/nowhere/v1/at-all',
];

async function answer(app: App, path: string, requestId: string) {
  const response = await app.request(path, { headers: { 'x-request-id': requestId } });
  const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== 'date'));
  return { status: response.status, headers, body: await response.text() };
}

describe('EdgeRouter: the edge and a route handed to Hono as one handler', () => {
  it('gives a path that matched the edge and one route a single handler, other paths what they matched', () => {
    const { merged } = apps();
    const router = merged.app.router as EdgeRouter<never>;
    expect(router.match('GET', '/things/v1/items/abc')[0]).toHaveLength(1);
    expect(router.match('GET', '/people/v1/users/u7/contact')[0]).toHaveLength(1);
    expect(router.match('GET', '/things/v1/guarded/one')[0]).toHaveLength(3);
    // Only the edge matched: Hono calls it alone, then answers not found.
    expect(router.match('GET', '/nowhere/v1/at-all')[0]).toHaveLength(1);
  });

  it('answers every path exactly as the composed handlers did: status, headers, body, parameters, errors', async () => {
    const { merged, composed } = apps();
    for (const [i, path] of paths.entries()) {
      const requestId = `req-${i}`;
      const ours = await answer(merged.app, path, requestId);
      const theirs = await answer(composed.app, path, requestId);
      expect(ours, path).toEqual(theirs);
    }
    // Spot checks that the paths did what they are named for.
    const items = await answer(merged.app, '/things/v1/items/abc', 'r');
    expect(JSON.parse(items.body)).toEqual({ id: 'abc', route: '/things/v1/items/:id', last: '/things/v1/items/:id' });
    expect((await answer(merged.app, '/things/v1/items/much-too-long', 'r')).status).toBe(400);
    expect(JSON.parse((await answer(merged.app, '/people/v1/users/u7/contact', 'r')).body)).toEqual({
      id: 'u7',
      route: '/people/v1/users/:id/contact',
      last: '/people/v1/users/:id/contact',
    });
    expect((await answer(merged.app, '/things/v1/throws', 'r')).status).toBe(409);
    expect((await answer(merged.app, '/things/v1/rejects', 'r')).status).toBe(404);
    expect((await answer(merged.app, '/things/v1/bug', 'r')).status).toBe(500);
    expect((await answer(merged.app, '/things/v1/forgets', 'r')).status).toBe(500);
    expect((await answer(merged.app, '/things/v1/header-then-answer', 'r')).headers['x-thing']).toBe('yes');
    expect((await answer(merged.app, '/things/v1/guarded/one', 'r')).headers['x-guard']).toBe('passed');
  });

  it('logs each request once with the status it was answered with, a route that forgot to answer included', async () => {
    const { merged } = apps();
    for (const [i, path] of paths.entries()) {
      const { status } = await answer(merged.app, path, `log-${i}`);
      const lines = merged.logLines.filter((line) => line.msg === 'request' && line.requestId === `log-${i}`);
      expect(
        lines.map((line) => line.status),
        path,
      ).toEqual([status]);
    }
  });
});
