import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle } from '../../platform/db/index.ts';
import { serve, type Host, type RunningServer } from '../../platform/host/index.ts';
import { prometheusInstalled, startPrometheus, type PrometheusServer } from '../support/prometheus-server.ts';
import { call, eventually, startTestHost } from '../support/test-host.ts';
import { adminToken } from '../support/tokens.ts';
import { openTestPglite } from '../support/pglite-image.ts';

const title = prometheusInstalled
  ? 'a real Prometheus scraping a Cleave host'
  : 'a real Prometheus scraping a Cleave host (skipped: /usr/bin/prometheus is missing; apt-get install prometheus, as .ci/run does)';

describe.skipIf(!prometheusInstalled)(title, () => {
  let database: DatabaseHandle;
  let host: Host;
  let server: RunningServer;
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    database = await openTestPglite();
    host = await startTestHost({ database });
    server = await serve(host, { host: '127.0.0.1', port: 0 });
    const token = await adminToken(host, (path, init) => host.app.request(path, init));
    prometheus = await startPrometheus(new URL(server.url).host, token);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await server?.close();
    await host?.stop();
    await database?.close();
  });

  it('scrapes /metrics with an operator token, and a query returns the RED series of the requests made', async () => {
    const sku = `PROM-${randomUUID().slice(0, 8)}`;
    expect((await call(host, 'POST', '/catalog/v1/products', { sku, name: 'Scraped mug', price: { amount: 700, currency: 'EUR' } })).status).toBe(201);
    expect((await call(host, 'GET', `/catalog/v1/products/${randomUUID()}`)).status).toBe(404);
    const scraper = prometheus as PrometheusServer;
    await eventually(async () => {
      expect(await scraper.query('up{job="cleave"}')).toMatchObject([{ value: [expect.any(Number), '1'] }]);
      const created = await scraper.query('cleave_http_requests_total{module="catalog",operation="POST /catalog/v1/products",status="201"}');
      expect(created.map((r) => Number(r.value[1]))).toEqual([1]);
      const notFound = await scraper.query('sum by (problem) (cleave_http_request_errors_total{module="catalog"})');
      expect(notFound).toContainEqual({ metric: { problem: 'catalog/product-not-found' }, value: [expect.any(Number), '1'] });
      const latency = await scraper.query('histogram_quantile(0.5, sum by (le) (cleave_http_request_duration_seconds_bucket{module="catalog"}))');
      expect(latency).toHaveLength(1);
      expect(await scraper.query('process_cpu_seconds_total')).toHaveLength(1);
    }, 60_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\nPrometheus said:\n${scraper.output().slice(-3000)}`);
    });
  });
});
