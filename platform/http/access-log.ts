import process from 'node:process';
import { setImmediate } from 'node:timers';
import { pino } from 'pino';
import type { Logger } from '../observability/index.ts';
import type { RouteContract } from './declared-problems.ts';

export interface RequestLogOptions {
  /** `all`: a line for every request; `sampled`: every 4xx, 5xx and slow answer, and `sampleRate` of the others. */
  mode: 'all' | 'sampled';
  /** Share of fast answers below 400 logged in `sampled` mode, from 0 to 1. */
  sampleRate: number;
  /** An answer that took at least this long is always logged. */
  slowMs: number;
}

/**
 * The access log line. Always these fields, in this order; absent ones (`undefined`) are left out of the JSON.
 * `correlationId` only when it differs from the request id.
 */
export interface AccessLine {
  requestId: string;
  correlationId: string | undefined;
  module: string | undefined;
  caller: string | undefined;
  method: string;
  path: string;
  status: number;
  ms: number;
  /** The request's span, when tracing is on (the line is written after the request's context has ended). */
  trace_id?: string;
  span_id?: string;
}

export type AccessLog = (line: AccessLine) => void;

/**
 * Told of every answered request, after its access-log line: the contract operation it matched (if any), the module
 * of its path, its status, its problem code (on 4xx and 5xx answers made by the problem mapper) and its duration.
 * Called on the hot path: it must not allocate per request.
 */
export type RequestObserver = (
  route: RouteContract | undefined,
  module: string | undefined,
  status: number,
  problem: string | undefined,
  seconds: number,
) => void;

/**
 * Writes one `request` line per answered request at `info`, or, sampled, the lines that matter. The line's fields are
 * flat strings and numbers, which none of the logger's redaction paths (`*.authorization`, `headers.cookie`...) can
 * match, so it is written by a child without redaction: the same JSON, without walking the paths on every line.
 * Where the logger allows it (see `lineWriter`), the line is put together here, byte for byte as pino would, and
 * handed to the logger's stream: pino's generic path (mixin merge, a walk over the object) cost more than the rest of
 * the line's work.
 */
export function accessLog(logger: Logger, options: RequestLogOptions, random: () => number = Math.random): AccessLog {
  const log = logger.child({}, { redact: [] });
  const sampled = options.mode === 'sampled';
  const write = lineWriter(log);
  return (line) => {
    if (sampled && line.status < 400 && line.ms < options.slowMs && random() >= options.sampleRate) return;
    if (!log.isLevelEnabled('info')) return;
    if (!write?.(line)) log.info(line, 'request');
  };
}

// `msgPrefixSym` is among pino's symbols at run time, not in its types.
const symbols = pino.symbols as typeof pino.symbols & { msgPrefixSym: symbol };
/** Printable ASCII without `"` and `\`: pino writes such a string between quotes as it is. */
const plain = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const quoted = (value: string) => (plain.test(value) ? `"${value}"` : JSON.stringify(value));

type PinoInternals = Record<symbol, unknown>;

/** The keys of the line, its message's included: none may have a serializer or stringifier of its own. */
const lineKeys = ['requestId', 'correlationId', 'module', 'caller', 'method', 'path', 'status', 'ms', 'trace_id', 'span_id', 'msg'];

/**
 * The access line as pino's `info(line, 'request')` writes it (level and time, the logger's bindings, the fields in
 * `AccessLine`'s order with absent ones left out, the message), written to the logger's own stream; `false` when this
 * line needs pino's generic path: the logger's mixin adds fields here (a line written inside an execution context).
 * Undefined for a logger whose settings change the line in ways not reproduced here (log formatters, a nested key,
 * serializers or stringifiers of the line's keys, a message prefix, a stream-write hook, a stream wanting
 * metadata): its lines all go through pino. `access-log.test.ts` holds both ways to the same bytes.
 */
function lineWriter(log: Logger): ((line: AccessLine) => boolean) | undefined {
  const internals = log as unknown as PinoInternals;
  const formatters = internals[symbols.formattersSym] as { log?: unknown } | undefined;
  const hooks = internals[symbols.hooksSym] as { streamWrite?: unknown } | undefined;
  const stream = internals[symbols.streamSym] as { write?: (line: string) => unknown; flushSync?: unknown; [key: symbol]: unknown } | undefined;
  const stringifiers = internals[symbols.stringifiersSym] as Record<string | symbol, unknown> | undefined;
  const serializers = internals[symbols.serializersSym] as Record<string, unknown> | undefined;
  const level = log.levels.values.info ?? 30;
  const levelPrefix = (internals[symbols.lsCacheSym] as Record<number, string> | undefined)?.[level];
  const time = internals[symbols.timeSym] as (() => string) | undefined;
  const messageKey = internals[symbols.messageKeySym];
  const end = internals[symbols.endSym];
  if (
    formatters?.log !== undefined ||
    hooks?.streamWrite !== undefined ||
    internals[symbols.nestedKeySym] ||
    internals[symbols.msgPrefixSym] ||
    lineKeys.some((key) => stringifiers?.[key] !== undefined || serializers?.[key] !== undefined) ||
    stringifiers?.[symbols.wildcardFirstSym] !== undefined ||
    typeof stream?.write !== 'function' ||
    stream[symbols.needsMetadataGsym] === true ||
    typeof levelPrefix !== 'string' ||
    typeof time !== 'function' ||
    typeof messageKey !== 'string' ||
    typeof end !== 'string'
  )
    return undefined;
  const mixin = internals[symbols.mixinSym] as ((merge: object, level: number, logger: Logger) => object) | undefined;
  const tail = `,${quoted(messageKey)}:"request"${end}`;
  const write = streamWriter(stream);
  return (line) => {
    if (mixin) {
      const added = mixin({}, level, log);
      for (const _ in added) return false;
    }
    let out = `${levelPrefix}${time.call(log)}${internals[symbols.chindingsSym] as string},"requestId":${quoted(line.requestId)}`;
    if (line.correlationId !== undefined) out += `,"correlationId":${quoted(line.correlationId)}`;
    if (line.module !== undefined) out += `,"module":${quoted(line.module)}`;
    if (line.caller !== undefined) out += `,"caller":${quoted(line.caller)}`;
    out += `,"method":${quoted(line.method)},"path":${quoted(line.path)},"status":${line.status},"ms":${Number.isFinite(line.ms) ? line.ms : null}`;
    if (line.trace_id !== undefined) out += `,"trace_id":${quoted(line.trace_id)}`;
    if (line.span_id !== undefined) out += `,"span_id":${quoted(line.span_id)}`;
    write(out + tail);
    return true;
  };
}

/**
 * How finished lines reach `stream`. A buffered, asynchronous file stream (pino's `destination`, SonicBoom, as
 * `createLogger` writes to stdout) gets the lines of one turn of the event loop in one write: SonicBoom measures the
 * UTF-8 length of each string it is handed and of its whole pending buffer (a copy each time), which per line cost
 * more than the line itself under load. The lines go out when the turn ends (`setImmediate`), or when the process
 * exits (before pino flushes the stream). Any other stream (tests, a transport) gets each line as it is made.
 */
function streamWriter(stream: { write?: (line: string) => unknown; flushSync?: unknown }): (line: string) => void {
  const write = stream.write!.bind(stream);
  if (typeof stream.flushSync !== 'function') return write;
  hookExit();
  let pending = '';
  const flush = () => {
    const lines = pending;
    pending = '';
    unflushed.delete(flush);
    if (!lines) return;
    // Outside any request now: a stream that refuses (destroyed at shutdown) must not take the process down with it.
    try {
      write(lines);
    } catch {
      // The lines are lost, as a synchronous write to that stream would have lost them.
    }
  };
  return (line) => {
    if (pending === '') {
      unflushed.add(flush);
      setImmediate(flush);
    }
    pending += line;
  };
}

/** Batches not yet written, flushed at exit ahead of pino's own flush of its streams. */
const unflushed = new Set<() => void>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.prependListener('exit', () => {
    for (const flush of unflushed) flush();
  });
}
