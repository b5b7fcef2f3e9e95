import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Logger } from './logger.ts';
import { recentSpans } from './recent-spans.ts';
import { ratioBound, traceIds } from './trace-ids.ts';
import { spanLogExporter } from './span-log-exporter.ts';
import { parentContextOf, type Tracing } from './tracing.ts';

export interface SdkTracingOptions {
  /** `otlp`: OTLP/HTTP (JSON) to `endpoint`, batched; `log`: each span as a log line (development). */
  exporter: 'otlp' | 'log';
  /** The OTLP traces URL (`…/v1/traces`). */
  endpoint?: string;
  /** The share of new traces recorded; a request that arrives with a `traceparent` follows its sampled flag. */
  ratio: number;
  serviceName: string;
  /** What this process hosts, as the `cleave.modules` resource attribute. */
  modules: readonly string[];
  logger: Logger;
  /** Instead of the configured exporter, spans go here, each as it ends (tests). */
  spanExporter?: SpanExporter;
}

/**
 * Tracing with the OpenTelemetry SDK's `BasicTracerProvider` (sdk-trace-base: runs on Node and Deno, unlike sdk-node),
 * a parent-based ratio sampler, and no global registration: each host has its own provider, so several hosts in one
 * process (tests) keep their spans apart.
 */
export async function createSdkTracing(options: SdkTracingOptions): Promise<Tracing> {
  const processor = await spanProcessor(options);
  const recent = recentSpans();
  const ids = traceIds();
  const rootSampler = new TraceIdRatioBasedSampler(options.ratio);
  // What `rootSampler` decides of a trace id, read from the id's bytes as they are drawn.
  const bound = ratioBound(options.ratio);
  // The trace id a new root span gets when `startSpan` already drew it (and the ratio sampled it): the SDK must
  // decide on that one id, not draw another and sample it again.
  let drawnTraceId: string | undefined;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName, 'cleave.modules': options.modules.join(',') }),
    sampler: new ParentBasedSampler({ root: rootSampler }),
    idGenerator: {
      generateTraceId: () => {
        const id = drawnTraceId ?? ids.traceId().id;
        drawnTraceId = undefined;
        return id;
      },
      generateSpanId: () => ids.spanId(),
    },
    spanProcessors: [processor, recent],
  });
  const tracer = provider.getTracer('cleave');
  return {
    enabled: true,
    recent,
    startSpan(name, spanOptions, parent) {
      const context = parentContextOf(parent, spanOptions.traceparent);
      // A span left out of the sample is only ids that travel on (log lines, `traceparent`). Decided here, as the
      // parent-based ratio sampler would, without the SDK's span machinery: at a small ratio that is nearly every
      // request (the SDK's path measured ~3 µs a request in the HTTP bench's profile).
      const parentIds = trace.getSpanContext(context);
      if (parentIds === undefined) {
        const drawn = ids.traceId();
        if (drawn.accumulation >= bound) return trace.wrapSpanContext({ traceId: drawn.id, spanId: ids.spanId(), traceFlags: TraceFlags.NONE });
        drawnTraceId = drawn.id;
      } else if ((parentIds.traceFlags & TraceFlags.SAMPLED) === 0 && isSpanContextValid(parentIds)) {
        return trace.wrapSpanContext({
          traceId: parentIds.traceId,
          spanId: ids.spanId(),
          traceFlags: TraceFlags.NONE,
          ...(parentIds.traceState ? { traceState: parentIds.traceState } : {}),
        });
      }
      try {
        return tracer.startSpan(
          name,
          {
            kind: spanOptions.kind,
            ...(spanOptions.attributes ? { attributes: spanOptions.attributes } : {}),
            ...(spanOptions.links ? { links: spanOptions.links } : {}),
          },
          context,
        );
      } finally {
        // Never left for a later span, whatever path the SDK took.
        drawnTraceId = undefined;
      }
    },
    async shutdown() {
      await provider.shutdown().catch((error: unknown) => options.logger.warn({ err: error }, 'tracing: spans could not be flushed at shutdown'));
    },
  };
}

async function spanProcessor(options: SdkTracingOptions): Promise<SpanProcessor> {
  if (options.spanExporter) return new SimpleSpanProcessor(options.spanExporter);
  if (options.exporter === 'log') return new SimpleSpanProcessor(spanLogExporter(options.logger.child({ component: 'tracing' })));
  // Loaded only when spans leave the process: the exporter pulls in the OTLP transformer and an HTTP agent.
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const exporter = new OTLPTraceExporter(options.endpoint ? { url: options.endpoint } : {});
  return new BatchSpanProcessor(reportingFailures(exporter, options.logger.child({ component: 'tracing' })));
}

/** How often a collector that keeps refusing spans is reported again. */
const failureReportMs = 60_000;

/**
 * The exporter, saying when it fails: the OTLP exporter drops a batch it cannot send and tells only OpenTelemetry's
 * diagnostic logger, which Cleave does not install (it would print every retry). The first failure is a warning,
 * then one a minute with the count while it lasts, and one line when spans go out again.
 */
function reportingFailures(exporter: SpanExporter, log: Logger): SpanExporter {
  let failed = 0;
  let dropped = 0;
  let reportedAt = 0;
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        if (result.code === ExportResultCode.SUCCESS) {
          if (failed > 0) log.info({ failedBatches: failed, droppedSpans: dropped }, 'tracing: spans are exported again');
          failed = 0;
          dropped = 0;
        } else {
          failed++;
          dropped += spans.length;
          if (failed === 1 || Date.now() - reportedAt >= failureReportMs) {
            reportedAt = Date.now();
            log.warn(
              { err: result.error, failedBatches: failed, droppedSpans: dropped },
              'tracing: spans could not be exported and were dropped (is the OTLP endpoint up and right?)',
            );
          }
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
