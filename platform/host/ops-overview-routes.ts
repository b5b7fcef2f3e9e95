import { z } from '@hono/zod-openapi';
import { contractRoute, createRouter, operatorAccess, type App } from '../http/index.ts';
import type { MetricSnapshot, Metrics } from '../metrics/index.ts';
import type { Tracing } from '../observability/index.ts';

const count = z.number();
const overviewSchema = z
  .object({
    service: z.string(),
    modules: z.array(z.string()).openapi({ description: 'The modules this process hosts.' }),
    metrics: z.boolean().openapi({ description: 'Whether metrics are on (`METRICS_ENABLED`); the lists below are empty when not.' }),
    tracing: z.boolean().openapi({ description: 'Whether tracing is on: recent traces can be looked up (`GET /ops/traces`).' }),
    outbox: z.array(z.object({ module: z.string(), pending: count, oldestPendingSeconds: count })),
    queues: z.array(z.object({ module: z.string(), state: z.string(), jobs: count })),
    consumers: z.array(
      z.object({
        consumer: z.string(),
        handled: count,
        failed: count,
        retries: count,
        deadLettered: count,
        meanLagSeconds: z.number().nullable().openapi({ description: 'Mean time from an event occurring to its delivery starting, since start.' }),
      }),
    ),
    deadLetters: z.array(z.object({ module: z.string(), consumer: z.string(), pending: count })),
    breakers: z.array(z.object({ module: z.string(), state: z.string() })),
    bulkheads: z.array(z.object({ provider: z.string(), transport: z.string(), inFlight: count, queued: count, capacity: count })),
  })
  .openapi('OpsOverview');

const overviewRoute = contractRoute({
  method: 'get',
  path: '/ops/overview',
  access: operatorAccess,
  tags: ['ops'],
  summary: "This host's event pipeline and resilience state, read now: the operations page's figures",
  description:
    'Outbox depth and age, BullMQ queue depths, consumer deliveries and lag, dead letters pending, breakers and bulkheads: the values `/metrics` exposes, as JSON.',
  responses: { 200: { description: 'The state of this host', content: { 'application/json': { schema: overviewSchema } } } },
});

const spanSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().optional(),
  name: z.string(),
  kind: z.string(),
  start: z.string(),
  durationMs: z.number(),
  status: z.enum(['ok', 'error', 'unset']),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});

const tracesRoute = contractRoute({
  method: 'get',
  path: '/ops/traces',
  access: operatorAccess,
  tags: ['ops'],
  summary: 'Recent traces on this host: the spans of the trace a request id belongs to, or the latest requests',
  description:
    "Spans this process ended last, kept in memory (a few thousand). With `requestId` (a response's `X-Request-Id`): that request's trace, as far as it ran here; without: the latest requests' server spans. Empty when tracing is off or the request was not sampled.",
  request: { query: z.object({ requestId: z.string().max(200).optional() }) },
  responses: {
    200: {
      description: 'Spans, in start order',
      content: { 'application/json': { schema: z.object({ tracing: z.boolean(), spans: z.array(spanSchema) }).openapi('RecentSpans') } },
    },
  },
});

type Series = MetricSnapshot['values'][number];

const text = (labels: Series['labels'], name: string) => String(labels[name] ?? '');

/** The series of `name` (of a histogram, its `_sum` or `_count` when `part` says), by name. */
function seriesOf(snapshot: MetricSnapshot[], name: string, part?: string): Series[] {
  const family = snapshot.find((m) => m.name === name);
  if (!family) return [];
  return part === undefined ? family.values : family.values.filter((v) => v.metricName === `${name}${part}`);
}

function overview(snapshot: MetricSnapshot[]) {
  const byLabel = (name: string, label: string, part?: string) => new Map(seriesOf(snapshot, name, part).map((v) => [text(v.labels, label), v.value]));
  const age = byLabel('cleave_outbox_oldest_pending_age_seconds', 'module');
  const lagSum = byLabel('cleave_event_consumer_lag_seconds', 'consumer', '_sum');
  const lagCount = byLabel('cleave_event_consumer_lag_seconds', 'consumer', '_count');
  const retries = byLabel('cleave_event_retries_total', 'consumer');
  const deadLettered = byLabel('cleave_event_dead_lettered_total', 'consumer');
  const consumers = new Map<string, { handled: number; failed: number }>();
  for (const v of seriesOf(snapshot, 'cleave_event_deliveries_total')) {
    const c = consumers.get(text(v.labels, 'consumer')) ?? { handled: 0, failed: 0 };
    if (v.labels.outcome === 'failed') c.failed += v.value;
    else c.handled += v.value;
    consumers.set(text(v.labels, 'consumer'), c);
  }
  const bulkheads = new Map<string, { provider: string; transport: string; inFlight: number; queued: number; capacity: number }>();
  for (const [name, field] of [
    ['cleave_bulkhead_in_flight_calls', 'inFlight'],
    ['cleave_bulkhead_queued_calls', 'queued'],
    ['cleave_bulkhead_capacity_calls', 'capacity'],
  ] as const) {
    for (const v of seriesOf(snapshot, name)) {
      const key = `${text(v.labels, 'provider')} ${text(v.labels, 'transport')}`;
      const b = bulkheads.get(key) ?? { provider: text(v.labels, 'provider'), transport: text(v.labels, 'transport'), inFlight: 0, queued: 0, capacity: 0 };
      b[field] = v.value;
      bulkheads.set(key, b);
    }
  }
  return {
    outbox: seriesOf(snapshot, 'cleave_outbox_pending_events').map((v) => ({
      module: text(v.labels, 'module'),
      pending: v.value,
      oldestPendingSeconds: age.get(text(v.labels, 'module')) ?? 0,
    })),
    queues: seriesOf(snapshot, 'cleave_bullmq_jobs').map((v) => ({ module: text(v.labels, 'module'), state: text(v.labels, 'state'), jobs: v.value })),
    consumers: [...consumers].map(([consumer, c]) => {
      const n = lagCount.get(consumer) ?? 0;
      return {
        consumer,
        ...c,
        retries: retries.get(consumer) ?? 0,
        deadLettered: deadLettered.get(consumer) ?? 0,
        meanLagSeconds: n > 0 ? (lagSum.get(consumer) ?? 0) / n : null,
      };
    }),
    deadLetters: seriesOf(snapshot, 'cleave_event_dead_letters_pending').map((v) => ({
      module: text(v.labels, 'module'),
      consumer: text(v.labels, 'consumer'),
      pending: v.value,
    })),
    breakers: seriesOf(snapshot, 'cleave_remote_breaker_state')
      .filter((v) => v.value === 1)
      .map((v) => ({ module: text(v.labels, 'module'), state: text(v.labels, 'state') })),
    bulkheads: [...bulkheads.values()],
  };
}

export interface OpsOverviewOptions {
  service: string;
  modules: readonly string[];
  metrics: Metrics | undefined;
  tracing: Tracing;
}

/** `GET /ops/overview` and `GET /ops/traces`: what the operations page shows beside the catalog and dead letters. */
export function opsOverviewRoutes(options: OpsOverviewOptions): App {
  const app = createRouter();
  const empty = { outbox: [], queues: [], consumers: [], deadLetters: [], breakers: [], bulkheads: [] };
  app.openapi(overviewRoute, async (c) => {
    const figures = options.metrics ? overview(await options.metrics.snapshot()) : empty;
    return c.json(
      { service: options.service, modules: [...options.modules], metrics: options.metrics !== undefined, tracing: options.tracing.enabled, ...figures },
      200,
    );
  });
  app.openapi(tracesRoute, (c) => {
    const { requestId } = c.req.valid('query');
    const recent = options.tracing.recent;
    if (!recent) return c.json({ tracing: false, spans: [] }, 200);
    const spans = requestId === undefined ? recent.latest(20) : recent.byRequestId(requestId);
    return c.json({ tracing: true, spans: spans.map(({ parentSpanId, ...s }) => (parentSpanId === undefined ? s : { ...s, parentSpanId })) }, 200);
  });
  return app;
}
