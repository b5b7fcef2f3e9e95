import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind } from '../../platform/observability/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { call, eventually, startTestHost } from '../support/test-host.ts';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const remoteParent = '00f067aa0ba902b7';
const sku = () => `TR-${Math.random().toString(36).slice(2, 10)}`;
const product = () => ({ sku: sku(), name: 'Traced', price: { amount: 5, currency: 'EUR' } });
const byName = (spans: readonly ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
const one = (spans: readonly ReadableSpan[], name: string, kind?: SpanKind): ReadableSpan => {
  const found = byName(spans, name).filter((s) => kind === undefined || s.kind === kind);
  if (found.length !== 1) throw new Error(`expected one span ${name}, got ${found.length}: ${spans.map((s) => s.name).join(', ')}`);
  return found[0] as ReadableSpan;
};
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('tracing: one trace from the request through the module call, the outbox and the consumer', () => {
  const exporter = new InMemorySpanExporter();
  const lines: Record<string, unknown>[] = [];
  let database: TestDatabaseHandle;
  let host: Host;

  beforeAll(async () => {
    database = await (testDatabases[0] as (typeof testDatabases)[number]).open();
    host = await startTestHost({ database, spanExporter: exporter, logLines: lines });
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  it('continues the caller’s trace: server span, producer span, and the consumer span as its child', async () => {
    exporter.reset();
    const created = await call(host, 'POST', '/catalog/v1/products', product(), { traceparent: `00-${traceId}-${remoteParent}-01` });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const spans = await eventually(() => {
      const finished = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      one(finished, 'process catalog.product-created');
      one(finished, 'send catalog.product-created');
      return finished;
    }, 20_000);
    const server = one(spans, 'POST /catalog/v1/products');
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(parentOf(server)).toBe(remoteParent);
    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/catalog/v1/products',
      'http.response.status_code': 201,
      'cleave.module': 'catalog',
    });
    const producer = one(spans, 'create catalog.product-created');
    expect(producer.kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(producer)).toBe(server.spanContext().spanId);
    const send = one(spans, 'send catalog.product-created');
    expect(send.kind).toBe(SpanKind.PRODUCER);
    // The first dispatch is attempt 1 (the claim counts it).
    expect(send.attributes['cleave.delivery.attempt']).toBe(1);
    expect(parentOf(send)).toBe(producer.spanContext().spanId);
    const consumer = one(spans, 'process catalog.product-created');
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(consumer)).toBe(producer.spanContext().spanId);
    expect(consumer.attributes).toMatchObject({
      'messaging.destination.name': 'catalog.product-created',
      'cleave.delivery.outcome': 'handled',
      'cleave.module': 'inventory',
    });
    // The statements of the request: the product's insert and its outbox row, in catalog's schema, under the request.
    const inserts = spans.filter((s) => s.name === 'INSERT catalog' && s.kind === SpanKind.CLIENT);
    expect(inserts.length).toBeGreaterThanOrEqual(2);
    expect(inserts.every((s) => s.spanContext().traceId === traceId && s.attributes['db.operation.name'] === 'INSERT')).toBe(true);
    expect(inserts.map((s) => String(s.attributes['db.query.text'])).join(' ')).toContain('"catalog"."outbox"');
    // The consumer's statements sit under its span.
    expect(spans.some((s) => s.name === 'INSERT inventory' && parentOf(s) === consumer.spanContext().spanId)).toBe(true);
    // No ids in names: the route template names the span.
    expect(spans.map((s) => s.name).join(' ')).not.toContain(id);
    // Log lines written inside the request carry its ids.
    const access = lines.find((l) => l.path === '/catalog/v1/products' && l.status === 201 && l.trace_id === traceId);
    expect(access?.span_id).toBe(server.spanContext().spanId);
  });

  it('makes a client span for a module call and a server span for its in-process provider under it', async () => {
    const created = await call(host, 'POST', '/catalog/v1/products', product());
    const { id } = (await created.json()) as { id: string };
    await eventually(async () => expect((await call(host, 'GET', `/inventory/v1/stock/${id}`)).status).toBe(200), 20_000);
    exporter.reset();
    expect((await call(host, 'POST', `/inventory/v1/stock/${id}/receipts`, { quantity: 3 })).status).toBe(200);
    const spans = exporter.getFinishedSpans();
    const server = one(spans, 'POST /inventory/v1/stock/:productId/receipts');
    const client = one(spans, 'catalog/getProduct', SpanKind.CLIENT);
    expect(client.attributes).toMatchObject({
      'rpc.service': 'catalog',
      'rpc.method': 'getProduct',
      'cleave.caller': 'inventory',
      'rpc.response.status_code': 200,
    });
    expect(parentOf(client)).toBe(server.spanContext().spanId);
    const provider = one(spans, 'catalog/getProduct', SpanKind.SERVER);
    expect(provider.attributes).toMatchObject({ 'cleave.transport': 'in-process', 'cleave.caller': 'inventory', 'rpc.response.status_code': 200 });
    expect(parentOf(provider)).toBe(client.spanContext().spanId);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
  });

  it('marks a failed module call on the client span with the problem code', async () => {
    exporter.reset();
    const missing = '00000000-0000-4000-8000-000000000001';
    expect((await call(host, 'POST', `/inventory/v1/stock/${missing}/receipts`, { quantity: 1 })).status).toBe(404);
    const client = one(exporter.getFinishedSpans(), 'catalog/getProduct', SpanKind.CLIENT);
    expect(client.status.code).toBe(2);
    expect(client.attributes['error.type']).toBe('catalog/product-not-found');
  });
});

describe('tracing: sampling and export', () => {
  let database: TestDatabaseHandle;
  let receiver: Server;
  const received: string[] = [];

  beforeAll(async () => {
    database = await (testDatabases[0] as (typeof testDatabases)[number]).open();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(`${req.method} ${req.url} ${req.headers['content-type']} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await new Promise((r) => receiver?.close(r));
    await database?.close();
  });

  it('exports spans over OTLP/HTTP to the configured endpoint, flushed at stop', { timeout: 60_000 }, async () => {
    const port = (receiver.address() as AddressInfo).port;
    const host = await startTestHost({ database, env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'cleave-test' } });
    try {
      expect(host.tracing.enabled).toBe(true);
      expect((await call(host, 'GET', '/catalog/v1/products')).status).toBe(200);
    } finally {
      await host.stop();
    }
    const exported = received.join('\n');
    expect(exported).toContain('POST /v1/traces application/json');
    expect(exported).toContain('GET /catalog/v1/products');
    expect(exported).toContain('cleave-test');
  });

  it('says when spans cannot be exported (nothing listens at the endpoint), and when they go out again', { timeout: 90_000 }, async () => {
    const lines: Record<string, unknown>[] = [];
    const port = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const host = await startTestHost({
      database,
      logLines: lines,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_TIMEOUT: '2000' },
    });
    const late = createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')));
    try {
      expect((await call(host, 'GET', '/catalog/v1/products')).status).toBe(200);
      // The batch goes out within 5 s (the batch processor's delay) and fails.
      const failure = await eventually(() => {
        const line = lines.find((l) => l.msg === 'tracing: spans could not be exported and were dropped (is the OTLP endpoint up and right?)');
        expect(line).toBeDefined();
        return line as Record<string, unknown>;
      }, 60_000);
      expect(failure).toMatchObject({ level: 40, failedBatches: 1, droppedSpans: expect.any(Number) });
      await new Promise<void>((r) => late.listen(port, '127.0.0.1', r));
      expect((await call(host, 'GET', '/catalog/v1/products')).status).toBe(200);
      await eventually(() => expect(lines.some((l) => l.msg === 'tracing: spans are exported again')).toBe(true), 60_000);
    } finally {
      await host.stop();
      await new Promise((r) => late.close(r));
    }
  });

  it('follows the sampled flag of an incoming traceparent; with ratio 0 records no new trace but passes ids on', { timeout: 60_000 }, async () => {
    const exporter = new InMemorySpanExporter();
    const host = await startTestHost({ database, spanExporter: exporter, env: { OTEL_TRACES_SAMPLER_ARG: '0' } });
    try {
      await call(host, 'GET', '/catalog/v1/products');
      await call(host, 'GET', '/catalog/v1/products', undefined, { traceparent: `00-${traceId}-${remoteParent}-00` });
      expect(exporter.getFinishedSpans()).toEqual([]);
      await call(host, 'GET', '/catalog/v1/products', undefined, { traceparent: `00-${traceId}-${remoteParent}-01` });
      const recorded = exporter.getFinishedSpans();
      expect(new Set(recorded.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
      expect(recorded.map((s) => s.name)).toEqual(expect.arrayContaining(['GET /catalog/v1/products', 'SELECT catalog']));
    } finally {
      await host.stop();
    }
  });

  it('is off by default: no spans, no trace ids in log lines', { timeout: 60_000 }, async () => {
    const lines: Record<string, unknown>[] = [];
    const host = await startTestHost({ database, logLines: lines });
    try {
      expect(host.tracing.enabled).toBe(false);
      await call(host, 'GET', '/catalog/v1/products', undefined, { traceparent: `00-${traceId}-${remoteParent}-01` });
      expect(lines.some((l) => 'trace_id' in l)).toBe(false);
    } finally {
      await host.stop();
    }
  });
});
