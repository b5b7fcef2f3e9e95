/**
 * The same route through the whole Cleave stack: the real host (in-memory PGlite, every module of the monolith,
 * relays running) with its request id, execution context, logging, secure headers, body checks, zod validation and
 * problem mapping. Logs are written as JSON to /dev/null, so their cost counts but nothing floods the terminal.
 */
import { z } from '@hono/zod-openapi';
import { pino } from 'pino';
import { modules } from '../../apps/modules.ts';
import { loadConfig } from '../../platform/config/index.ts';
import { createHost, serve } from '../../platform/host/index.ts';
import { contractRoute } from '../../platform/http/index.ts';
import { createLogger } from '../../platform/observability/index.ts';
import { announceReady } from './shared.ts';

const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', LOG_FORMAT: 'json', DATA_DIR: 'memory', DEMO_DATA: 'false' });
// Buffered and asynchronous, exactly as platform/observability writes JSON to stdout, but into /dev/null.
const destination = pino.destination({ dest: '/dev/null', sync: false });
const logger = createLogger({ ...config.log, destination });
const host = await createHost({ config, modules, logger });

const hello = contractRoute({
  method: 'get',
  path: '/bench/v1/hello/{name}',
  tags: ['bench'],
  summary: 'Echo a name (benchmark route)',
  request: { params: z.object({ name: z.string().min(1).max(64) }) },
  responses: { 200: { description: 'Hello', content: { 'application/json': { schema: z.object({ hello: z.string() }) } } } },
});
host.app.openapi(hello, (c) => c.json({ hello: c.req.valid('param').name }, 200));

const server = await serve(host, { host: '127.0.0.1', port: 0 });
announceReady(Number(new URL(server.url).port), async () => {
  await server.close();
  await host.stop();
});
