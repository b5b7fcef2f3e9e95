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
 */
export function accessLog(logger: Logger, options: RequestLogOptions, random: () => number = Math.random): AccessLog {
  const log = logger.child({}, { redact: [] });
  const sampled = options.mode === 'sampled';
  return (line) => {
    if (sampled && line.status < 400 && line.ms < options.slowMs && random() >= options.sampleRate) return;
    if (log.isLevelEnabled('info')) log.info(line, 'request');
  };
}
