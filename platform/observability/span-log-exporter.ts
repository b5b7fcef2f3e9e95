import { ExportResultCode, hrTimeToMilliseconds, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from './logger.ts';

/**
 * The development exporter (`OTEL_TRACES_EXPORTER=log`): one log line per ended span with its name, kind, ids,
 * duration and attributes, so `npm start` shows a request's hops without a collector. Not for production: a line per
 * span is far dearer than a batched OTLP export.
 */
export function spanLogExporter(log: Logger): SpanExporter {
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      for (const span of spans) {
        const context = span.spanContext();
        log.info(
          {
            trace_id: context.traceId,
            span_id: context.spanId,
            parent_span_id: span.parentSpanContext?.spanId,
            kind: span.kind,
            ms: Math.round(hrTimeToMilliseconds(span.duration) * 100) / 100,
            status: span.status.code,
            attributes: span.attributes,
          },
          `span ${span.name}`,
        );
      }
      done({ code: ExportResultCode.SUCCESS });
    },
    async shutdown() {},
  };
}
