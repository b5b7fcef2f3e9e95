import { pino, type Logger, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';
import { currentContext } from './context.ts';
import { redactPaths, serializeError } from './redaction.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  format: 'json' | 'pretty';
  /** Where lines go; stdout by default. Tests and benchmarks pass their own. */
  destination?: DestinationStream;
  /** The `service` field of every line: which deployable wrote it (`OTEL_SERVICE_NAME`). */
  service?: string;
}

/**
 * The ids of the work a line is written in (a request or an event delivery): `requestId`, `correlationId`, and with
 * tracing on the span's `trace_id` and `span_id` (OpenTelemetry's log field names). A fresh object each time: pino
 * merges the line's own fields into it, so they win.
 */
function contextFields(): object {
  const context = currentContext();
  if (!context) return {};
  const span = context.span?.spanContext();
  return span
    ? { requestId: context.requestId, correlationId: context.correlationId, trace_id: span.traceId, span_id: span.spanId }
    : { requestId: context.requestId, correlationId: context.correlationId };
}

/**
 * The process logger: pino JSON lines, or readable lines when attached to a terminal. Secrets never reach its
 * output: credential headers, passwords, tokens, client secrets and keys are redacted wherever they appear
 * (`redactPaths`), and logged errors lose the passwords of any URL they carry.
 */
export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    base: options.service ? { service: options.service } : null,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: { err: serializeError },
    mixin: contextFields,
  };
  if (options.destination) return pino(base, options.destination);
  if (options.format === 'pretty') {
    // In-process pretty stream rather than a transport: transports need worker threads, which Deno lacks for pino.
    return pino(base, pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  }
  return pino(base, pino.destination(stdoutBuffering));
}

/**
 * Asynchronous, batched writes to stdout: lines gather until 4 KiB (some 20 access-log lines) and go out in one
 * write(2), or after 100 ms at the latest, so a quiet process still shows each line promptly. An asynchronous write
 * per line costs more than the line itself (a thread-pool hop and two more syscalls: measured with strace under the
 * HTTP bench). pino flushes what is queued when the process exits.
 */
export const stdoutBuffering = { dest: 1, sync: false, minLength: 4096, periodicFlush: 100 } as const;
