/**
 * @module platform/observability
 * Logging for every part of Cleave: one pino logger per process, children per request, module and event.
 * Not a metrics or tracing SDK; those hook in here.
 */
export { batchedDestination, childWithIds, createLogger } from './logger.ts';
export { redactPaths, serializeError, stripUrlCredentials } from './redaction.ts';
export { causesOf, errorChain, messageOf } from './error-chain.ts';
export type { Logger, LoggerOptions } from './logger.ts';
export { currentContext, outsideContext, runInContext } from './context.ts';
export type { ExecutionContext } from './context.ts';
export { endSpan, errorType, parentContextOf, runInSpan, spanIdsOfFailure, SpanKind, SpanStatusCode, traceparentOf, tracingOff } from './tracing.ts';
export type { Span, StartSpanOptions, Tracing } from './tracing.ts';
export type { RecentSpans, SpanSummary } from './recent-spans.ts';
