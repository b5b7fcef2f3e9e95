/** Bare Hono on `@hono/node-server`: one route, no middleware. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { announceReady } from './shared.ts';

const app = new Hono();
app.get('/bench/v1/hello/:name', (c) => c.json({ hello: c.req.param('name') }));

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
  announceReady(info.port, () => new Promise((done) => server.close(() => done())));
});
