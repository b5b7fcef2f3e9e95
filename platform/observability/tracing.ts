import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';
import { runInContext, type ExecutionContext } from './context.ts';
import type { RecentSpans } from './recent-spans.ts';

export { SpanKind, SpanStatusCode };
export type { Attributes, Span };

/**
 * Spans made by Cleave itself at each hop (inbound HTTP, module calls, outbox, consumers), parented through
 * Cleave's one execution context: no OpenTelemetry context manager and no second AsyncLocalStorage. With tracing
 * off (the default) `startSpan` returns `undefined` and callers skip all span work; the SDK is not even loaded
 * (`tracing-sdk.ts` is imported only when an exporter is configured).
 */
export interface Tracing {
  readonly enabled: boolean;
  /**
   * A span under `parent`'s span, or under the W3C `traceparent` it carries (a remote or enqueued parent), or a new
   * trace. `undefined` when tracing is off.
   */
  startSpan(name: string, options: StartSpanOptions, parent?: ExecutionContext): Span | undefined;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
  /** The spans this process ended last (the operations page's trace view); `undefined` when tracing is off. */
  readonly recent?: RecentSpans;
}

export interface StartSpanOptions {
  kind: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** A parent to use instead of the context's (an event's producer, from its envelope). */
  traceparent?: string | null;
}

/** Tracing off: no spans, no cost beyond a branch. */
export const tracingOff: Tracing = { enabled: false, startSpan: () => undefined, shutdown: async () => {} };

const traceparentPattern = /^00-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;

/** The parent a new span takes: the given traceparent, else the context's span, else the context's traceparent. */
export function parentContextOf(parent: ExecutionContext | undefined, traceparent?: string | null): Context {
  if (!traceparent && parent?.span) return trace.setSpan(ROOT_CONTEXT, parent.span);
  const match = traceparentPattern.exec(traceparent ?? parent?.traceparent ?? '');
  if (!match?.[1] || !match[2] || /^0+$/.test(match[1]) || /^0+$/.test(match[2])) return ROOT_CONTEXT;
  const flags = Number.parseInt(match[3] ?? '00', 16) & TraceFlags.SAMPLED;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: match[1], spanId: match[2], traceFlags: flags, isRemote: true });
}

/** The W3C `traceparent` to send onwards from `context`: its span's when it has one, else the one it received. */
export function traceparentOf(context: ExecutionContext | undefined): string | undefined {
  const span = context?.span;
  if (!span) return context?.traceparent;
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${(traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00'}`;
}

/** Ends `span` with the outcome: an error status (and the exception recorded) when `error` is given. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    span.setAttribute('error.type', errorType(error));
    if (typeof error === 'object' && error !== null) {
      const { traceId, spanId } = span.spanContext();
      failedIn.set(error, { trace_id: traceId, span_id: spanId });
    }
  }
  span.end();
}

/** The last span each error ended (as it travels outwards, the outermost so far). */
const failedIn = new WeakMap<object, { trace_id: string; span_id: string }>();

/**
 * The `trace_id` and `span_id` of the last span `error` ended, for a log line written about it after its span is over
 * (a delivery's retry, a saga step's failure), so the line joins the trace; empty when no recorded span ended with it.
 */
export function spanIdsOfFailure(error: unknown): { trace_id?: string; span_id?: string } {
  return (typeof error === 'object' && error !== null && failedIn.get(error)) || {};
}

/**
 * Runs `run` as the work of `span`: in `context` with the span set (so its calls and statements descend from it),
 * ending the span with the outcome. Without a span (tracing off, or not sampled into existence) just runs it.
 */
export async function runInSpan<T>(span: Span | undefined, context: ExecutionContext, run: () => Promise<T>): Promise<T> {
  if (!span) return run();
  context.span = span;
  try {
    const value = await runInContext(context, run);
    span.end();
    return value;
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
}

/** The OpenTelemetry `error.type` of a failure: a Cleave error's stable code, else the error's class name. */
export function errorType(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string') return (error as { code: string }).code;
  return error instanceof Error ? error.name : '_OTHER';
}
