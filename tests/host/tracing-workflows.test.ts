import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import type { Host } from '../../platform/host/index.ts';
import { SpanKind } from '../../platform/observability/index.ts';
import { checkout, followOrder, signUpCustomer, webClientReady, type Send } from '../shop/support/customer.ts';
import { stockedProduct } from '../shop/support/products.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { eventually, startTestHost } from '../support/test-host.ts';
import { adminToken } from '../support/tokens.ts';

const traceId = '0af7651916cd43dd8448eb211c80319c';
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/**
 * The checkout's trace: the request that started the saga is the parent of each step's span, the steps' module
 * calls are theirs, and the projections' handling of the order's events joins the same trace.
 */
describe('tracing sagas and projections: one checkout, one trace', { timeout: 120_000 }, () => {
  const exporter = new InMemorySpanExporter();
  let database: TestDatabaseHandle;
  let host: Host;

  beforeAll(async () => {
    database = await (testDatabases[0] as (typeof testDatabases)[number]).open();
    host = await startTestHost({ database, modules, spanExporter: exporter, env: { IDENTITY_PASSWORD_GRANT: 'true', DEMO_DATA: 'true' } });
    await host.seed();
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  it('each step attempt is a span under the checkout request; its calls are its children; projections join the trace', async () => {
    const plain: Send = (path, init) => host.app.request(path, init);
    const token = await adminToken(host, plain);
    const admin: Send = (path, init) => plain(path, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` } });
    // Only the checkout carries the caller's trace, so every span of that trace comes from it.
    const send: Send = (path, init) =>
      path.endsWith('/checkout')
        ? plain(path, { ...init, headers: { ...(init?.headers as Record<string, string>), traceparent: `00-${traceId}-b7ad6b7169203331-01` } })
        : plain(path, init);
    await webClientReady(plain);
    const customer = await signUpCustomer(plain);
    const product = await stockedProduct(admin, 5);
    const order = await checkout(send, customer, [{ productId: product.id, quantity: 1 }]);
    expect((await followOrder(plain, order)).status).toBe('completed');

    const spans = await eventually(() => {
      const ours = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      const names = ours.map((s) => s.name);
      for (const name of ['invoke checkout/reserve-stock', 'invoke checkout/capture-payment', 'project order-list', 'project order-detail']) {
        expect(names).toContain(name);
      }
      return ours;
    }, 30_000);
    const request = spans.find((s) => s.kind === SpanKind.SERVER && s.name.endsWith('/checkout')) as ReadableSpan;
    expect(request).toBeDefined();
    const reserve = spans.find((s) => s.name === 'invoke checkout/reserve-stock') as ReadableSpan;
    expect(reserve.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(reserve)).toBe(request.spanContext().spanId);
    expect(reserve.attributes).toMatchObject({
      'cleave.module': 'ordering',
      'cleave.saga.name': 'checkout',
      'cleave.saga.id': order.orderId,
      'cleave.saga.step': 'reserve-stock',
      'cleave.saga.action': 'invoke',
      'cleave.saga.attempt': 1,
    });
    // The step's module call to inventory is its child.
    const calls = spans.filter(
      (s) => s.kind === SpanKind.CLIENT && parentOf(s) === reserve.spanContext().spanId && s.attributes['rpc.service'] === 'inventory',
    );
    expect(calls.length).toBeGreaterThan(0);
    // Every step ran under the request, none failed.
    const steps = spans.filter((s) => s.name.startsWith('invoke checkout/'));
    expect(steps.every((s) => parentOf(s) === request.spanContext().spanId && s.status.code !== 2)).toBe(true);
    expect(new Set(steps.map((s) => s.attributes['cleave.saga.step']))).toEqual(
      new Set(['open-order', 'reserve-stock', 'authorize-payment', 'confirm-order', 'capture-payment', 'commit-stock', 'complete-order']),
    );
    // The projections handled the order's events inside the same trace, with their statements as children.
    const projected = spans.filter((s) => s.name === 'project order-list');
    expect(projected.every((s) => s.attributes['cleave.projection'] === 'order-list' && s.attributes['cleave.module'] === 'ordering')).toBe(true);
    expect(spans.some((s) => s.kind === SpanKind.CLIENT && s.name.endsWith(' ordering') && projected.some((p) => parentOf(s) === p.spanContext().spanId))).toBe(
      true,
    );
  });
});
