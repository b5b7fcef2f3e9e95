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
function contextFields(_line: object, _level: number, logger: Logger): object {
  const context = currentContext();
  if (!context) return {};
  const span = context.span?.spanContext();
  // A logger that binds the ids itself (`childWithIds`, and its children, which inherit the mark through pino's
  // prototype chain) already writes them: adding them again would write each key twice in one line.
  if ((logger as { [bindsIds]?: true })[bindsIds]) return span ? { trace_id: span.traceId, span_id: span.spanId } : {};
  return span
    ? { requestId: context.requestId, correlationId: context.correlationId, trace_id: span.traceId, span_id: span.spanId }
    : { requestId: context.requestId, correlationId: context.correlationId };
}

const bindsIds = Symbol('cleave.logger.bindsIds');

/**
 * A child logger whose bindings carry the work's own ids (`requestId`, `correlationId`): the context's ids are then
 * not added to its lines (see `contextFields`), so each key appears once, with the bound value.
 */
export function childWithIds(logger: Logger, bindings: Record<string, unknown>): Logger {
  const child = logger.child(bindings);
  (child as { [bindsIds]?: true })[bindsIds] = true;
  return child;
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
  return pino(base, batchedDestination());
}

/**
 * Asynchronous, batched writes to stdout: lines gather until 4 KiB (some 20 access-log lines) and go out in one
 * write(2), or after 100 ms at the latest, so a quiet process still shows each line promptly. An asynchronous write
 * per line costs more than the line itself (a thread-pool hop and two more syscalls: measured with strace under the
 * HTTP bench). pino flushes what is queued when the process exits.
 */
const stdoutBuffering = { dest: 1, sync: false, minLength: 4096 } as const;

/** The longest a line waits in a batched destination before it is written. */
const flushAfterMs = 100;

/**
 * A batched destination (`stdoutBuffering`, or the same to another `dest`) flushed at most `flushAfterMs` after a
 * line was written to it. sonic-boom's own `periodicFlush` flushes on every tick, which is an empty write(2) through
 * the thread pool when nothing waits: ten wake-ups a second in an idle process (seen with strace). This one counts the
 * bytes given and written (sonic-boom's `write` event) and flushes only while some wait.
 */
export function batchedDestination(dest: number | string = stdoutBuffering.dest): ReturnType<typeof pino.destination> {
  const sink = pino.destination({ ...stdoutBuffering, dest });
  const write = sink.write.bind(sink);
  let waiting = 0;
  sink.write = (data: string) => {
    waiting += Buffer.byteLength(data);
    return write(data);
  };
  sink.on('write', (written: number) => {
    waiting = Math.max(0, waiting - written);
  });
  // `destroyed` (set when the stream closes, before its `close` event) is not in sonic-boom's types; flushing after it throws.
  const timer = setInterval(() => {
    if (waiting > 0 && !(sink as { destroyed?: boolean }).destroyed) sink.flush();
  }, flushAfterMs);
  timer.unref();
  sink.once('close', () => clearInterval(timer));
  return sink;
}
