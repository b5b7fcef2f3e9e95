import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, postgresUrl, redisUrl } from '../support/databases.ts';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { freePort, redisPrefix, startProcessHost, type ProcessHost } from '../support/process-host.ts';
import { eventually } from '../support/test-host.ts';

const missing = !postgresUrl || !redisUrl;
// OTLP span kinds (the protocol's enum: 1 internal, 2 server, 3 client, 4 producer, 5 consumer).
const kind = { server: 2, client: 3, producer: 4, consumer: 5 } as const;

/**
 * Issue 12's "one trace": with inventory extracted (its own process and database, BullMQ between them), a request
 * through the monolith and the event it causes end up as one trace whose spans come from both processes, each
 * exported over OTLP/HTTP to one collector (a receiver in the test).
 */
describe.skipIf(missing)('tracing across processes: inventory extracted, events through BullMQ', () => {
  const cleanups: (() => Promise<void>)[] = [];
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let monolith: ProcessHost;
  let inventory: ProcessHost;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const [monolithPort, inventoryPort] = [await freePort(), await freePort()];
    const databases = await Promise.all([createScratchDatabase(postgresUrl as string), createScratchDatabase(postgresUrl as string)]);
    for (const db of databases) cleanups.push(db.drop);
    // Exported every 200 ms rather than every 5 s, so the test waits less.
    const shared = { REDIS_URL: redisUrl as string, REDIS_PREFIX: redisPrefix(), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' };
    [monolith, inventory] = await Promise.all([
      startProcessHost({
        port: monolithPort,
        env: {
          ...shared,
          OTEL_SERVICE_NAME: 'monolith',
          MODULES: 'catalog,identity',
          DATABASE_URL: databases[0]?.url as string,
          REMOTE_MODULES: `inventory=http://127.0.0.1:${inventoryPort}`,
        },
      }),
      startProcessHost({
        entry: 'apps/extracted/inventory/main.ts',
        port: inventoryPort,
        env: {
          ...shared,
          OTEL_SERVICE_NAME: 'inventory',
          DATABASE_URL: databases[1]?.url as string,
          REMOTE_MODULES: `catalog=http://127.0.0.1:${monolithPort},identity=http://127.0.0.1:${monolithPort}`,
        },
      }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await inventory?.stop();
    await monolith?.stop();
    for (const cleanup of cleanups.reverse()) await cleanup();
    await receiver?.close();
  });

  const traceOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
  const find = (spans: ReceivedSpan[], service: string, name: string, spanKind: number) => {
    const found = spans.filter((s) => s.service === service && s.name === name && s.kind === spanKind);
    if (found.length !== 1)
      throw new Error(`expected one ${service} span "${name}", got ${found.length}: ${spans.map((s) => `${s.service}:${s.name}`).join(', ')}`);
    return found[0] as ReceivedSpan;
  };

  it('one trace: request, outbox, relay, BullMQ hop, consumer in the other process', { timeout: 90_000 }, async () => {
    const traceId = randomUUID().replaceAll('-', '');
    const client = 'b7ad6b7169203331';
    const token = await monolith.token();
    const created = await fetch(`${monolith.url}/catalog/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, traceparent: `00-${traceId}-${client}-01` },
      body: JSON.stringify({ sku: `TRACE-${randomUUID().slice(0, 8)}`, name: 'Traced', price: { amount: 100, currency: 'EUR' } }),
    });
    expect(created.status).toBe(201);
    const spans = await eventually(() => {
      const trace = traceOf(traceId);
      find(trace, 'inventory', 'process catalog.product-created', kind.consumer);
      find(trace, 'monolith', 'send catalog.product-created', kind.producer);
      return trace;
    }, 60_000);
    const server = find(spans, 'monolith', 'POST /catalog/v1/products', kind.server);
    expect(server.parentSpanId).toBe(client);
    const producer = find(spans, 'monolith', 'create catalog.product-created', kind.producer);
    expect(producer.parentSpanId).toBe(server.spanId);
    const send = find(spans, 'monolith', 'send catalog.product-created', kind.producer);
    expect(send).toMatchObject({ parentSpanId: producer.spanId, attributes: { 'messaging.system': 'bullmq' } });
    const consumer = find(spans, 'inventory', 'process catalog.product-created', kind.consumer);
    expect(consumer.parentSpanId).toBe(producer.spanId);
  });

  it('one trace: request through the gateway, the extracted module, and its call back to catalog over HTTP', { timeout: 90_000 }, async () => {
    const token = await monolith.token();
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${monolith.url}/catalog/v1/products`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ sku: `TRACE-${randomUUID().slice(0, 8)}`, name: 'Traced', price: { amount: 100, currency: 'EUR' } }),
    });
    const { id } = (await created.json()) as { id: string };
    await eventually(async () => expect((await fetch(`${monolith.url}/inventory/v1/stock/${id}`, { headers: auth })).status).toBe(200), 30_000);
    const traceId = randomUUID().replaceAll('-', '');
    const received = await fetch(`${monolith.url}/inventory/v1/stock/${id}/receipts`, {
      method: 'POST',
      headers: { ...auth, traceparent: `00-${traceId}-b7ad6b7169203331-01` },
      body: JSON.stringify({ quantity: 2 }),
    });
    expect(received.status).toBe(200);
    const spans = await eventually(() => {
      const trace = traceOf(traceId);
      find(trace, 'monolith', 'GET /catalog/v1/products/:id', kind.server);
      find(trace, 'inventory', 'POST /inventory/v1/stock/:productId/receipts', kind.server);
      find(trace, 'monolith', 'POST /inventory/*', kind.server);
      return trace;
    }, 60_000);
    const entry = find(spans, 'monolith', 'POST /inventory/*', kind.server);
    const hop = find(spans, 'monolith', 'POST', kind.client);
    expect(hop).toMatchObject({ parentSpanId: entry.spanId, attributes: { 'cleave.gateway.module': 'inventory' } });
    const provider = find(spans, 'inventory', 'POST /inventory/v1/stock/:productId/receipts', kind.server);
    expect(provider.parentSpanId).toBe(hop.spanId);
    const call = find(spans, 'inventory', 'catalog/getProduct', kind.client);
    expect(call.parentSpanId).toBe(provider.spanId);
    const catalog = find(spans, 'monolith', 'GET /catalog/v1/products/:id', kind.server);
    expect(catalog.parentSpanId).toBe(call.spanId);
  });
});
