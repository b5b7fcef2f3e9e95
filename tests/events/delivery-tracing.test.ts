import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productCreatedV1 } from '../../modules/catalog/index.ts';
import { createConsumer, deliverWithRetries, subscribe } from '../../platform/events/index.ts';
import { createSdkTracing } from '../../platform/observability/tracing-sdk.ts';
import { probeTables } from '../support/buses/faults-world.ts';
import { newKey, openWorld, type World } from '../support/buses/world.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { testLogger } from '../support/test-host.ts';

/**
 * A delivery that fails, traced: its span says so, and the log lines written about it after the span ended (the
 * retry, the dead letter) carry that span's ids, so a log search and a trace meet.
 */
describe('a failed delivery in its trace and its log lines', () => {
  let database: TestDatabaseHandle;
  let world: World;
  const lines: Record<string, unknown>[] = [];
  const log = testLogger(lines);
  beforeAll(async () => {
    database = await (testDatabases[0] as (typeof testDatabases)[number]).open();
    world = await openWorld(database, log);
  });
  afterAll(async () => {
    await world.reset();
    await database.close();
  });

  it('marks the failed attempt `failed` and names its span in the retry and dead-letter lines', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await createSdkTracing({ exporter: 'log', ratio: 1, serviceName: 'test', modules: ['probe'], logger: log, spanExporter: exporter });
    let failuresLeft = 2;
    const consumer = createConsumer({
      module: 'probe',
      db: database.db,
      tables: probeTables,
      deadLetters: world.deadLetters,
      subscription: subscribe(productCreatedV1, 'flaky', async () => {
        if (failuresLeft-- > 0) throw new Error('flaky handler');
      }),
      context: undefined,
      log,
      afterCommit: () => {},
      tracing,
    });
    // Written in a sampled trace, as a traced request's event is.
    const envelope = { ...(await world.write(newKey(), 'TRACED-FAIL')), traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
    await deliverWithRetries(consumer, envelope, { log, maxAttempts: 2, retry: { baseMs: 1, maxMs: 5 }, handlerTimeoutMs: 10_000, closing: () => false });
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'process catalog.product-created');
    // (Shutting the exporter down empties it.)
    await tracing.shutdown();
    expect(spans.map((s) => s.attributes['cleave.delivery.outcome'])).toEqual(['failed', 'failed']);
    const about = (msg: string) => lines.filter((l) => l.msg === msg && l.eventId === envelope.id);
    const [retry] = about('event handler failed; retrying');
    const [dead] = about('event dead-lettered');
    expect(retry).toMatchObject({ trace_id: spans[0]?.spanContext().traceId, span_id: spans[0]?.spanContext().spanId });
    expect(dead).toMatchObject({ trace_id: spans[1]?.spanContext().traceId, span_id: spans[1]?.spanContext().spanId });
  });
});
