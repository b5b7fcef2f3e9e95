import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** A span as the operations page shows it: no events, attributes as recorded (no parameter values are recorded). */
export interface SpanSummary {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OpenTelemetry `SpanKind` as a word: `server`, `client`, `internal`, `producer`, `consumer`. */
  kind: string;
  /** Start, ISO 8601. */
  start: string;
  durationMs: number;
  status: 'ok' | 'error' | 'unset';
  attributes: Record<string, string | number | boolean>;
}

/** The spans this process ended last, kept in memory for the operations page. */
export interface RecentSpans {
  /** Every kept span of the trace a request (by its `X-Request-Id`) belongs to, in start order; `[]` when none is kept. */
  byRequestId(requestId: string): SpanSummary[];
  /** The root spans of the last traces this process served (newest first). */
  latest(limit: number): SpanSummary[];
}

const kinds = ['internal', 'server', 'client', 'producer', 'consumer'];
const statuses = ['unset', 'ok', 'error'] as const;
const ms = ([s, ns]: [number, number]) => s * 1000 + ns / 1e6;

function summary(span: ReadableSpan): SpanSummary {
  const attributes: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(span.attributes)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') attributes[k] = v;
  const context = span.spanContext();
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: kinds[span.kind] ?? 'internal',
    start: new Date(ms(span.startTime)).toISOString(),
    durationMs: Math.round(ms(span.duration) * 1000) / 1000,
    status: statuses[span.status.code] ?? 'unset',
    attributes,
  };
}

/**
 * A span processor that keeps the last `capacity` ended spans of this process in a ring: bounded memory, no I/O, a
 * few hundred nanoseconds per span. A trace spanning several hosts shows here only in its part on this host.
 */
export function recentSpans(capacity = 4096): RecentSpans & SpanProcessor {
  const ring: (ReadableSpan | undefined)[] = new Array<ReadableSpan | undefined>(capacity);
  let next = 0;
  const kept = function* (): Generator<ReadableSpan> {
    for (let i = 1; i <= capacity; i++) {
      const span = ring[(next - i + capacity * 2) % capacity];
      if (span) yield span;
    }
  };
  return {
    onStart(_span: Span, _context: Context) {},
    onEnd(span: ReadableSpan) {
      ring[next] = span;
      next = (next + 1) % capacity;
    },
    forceFlush: async () => {},
    shutdown: async () => {},
    byRequestId(requestId) {
      let traceId: string | undefined;
      for (const span of kept()) {
        if (span.attributes['cleave.request_id'] === requestId) {
          traceId = span.spanContext().traceId;
          break;
        }
      }
      if (traceId === undefined) return [];
      const spans: SpanSummary[] = [];
      for (const span of kept()) if (span.spanContext().traceId === traceId) spans.push(summary(span));
      return spans.sort((a, b) => a.start.localeCompare(b.start));
    },
    latest(limit) {
      const roots: SpanSummary[] = [];
      for (const span of kept()) {
        if (roots.length >= limit) break;
        if (span.kind === 1 && span.attributes['cleave.request_id'] !== undefined) roots.push(summary(span));
      }
      return roots;
    },
  };
}
