import { z } from '@hono/zod-openapi';
import { contractRoute, createRouter, operatorAccess, type App } from '../http/index.ts';
import type { Metrics } from '../metrics/index.ts';

const scrape = contractRoute({
  method: 'get',
  path: '/metrics',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'Prometheus metrics of this host',
  description:
    'The Prometheus text exposition format (version 0.0.4): RED metrics per module and operation, module calls, outbox, deliveries, dead letters, queues, breakers, bulkheads, process. See docs/operations/metrics.md. Scrape with an operator token.',
  responses: {
    200: {
      description: 'Every series of this host',
      content: { 'text/plain': { schema: z.string().openapi({ example: '# TYPE cleave_http_requests_total counter\n' }) } },
    },
  },
});

/** `/metrics`: the host's metrics, for Prometheus, behind the operator scope like `/ops`. */
export function metricsRoute(metrics: Metrics): App {
  const app = createRouter();
  app.openapi(scrape, async (c) => c.text(await metrics.text(), 200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }));
  return app;
}
