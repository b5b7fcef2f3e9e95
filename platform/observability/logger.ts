import { pino, type Logger, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  format: 'json' | 'pretty';
  /** Where lines go; stdout by default. Tests and benchmarks pass their own. */
  destination?: DestinationStream;
}

/**
 * The process logger: pino JSON lines, or readable lines when attached to a terminal. Secrets never reach it:
 * authorization headers and cookies are redacted wherever they appear.
 */
export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    base: null,
    redact: { paths: ['*.authorization', '*.cookie', '*.password', 'headers.authorization', 'headers.cookie'], censor: '[redacted]' },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.format === 'pretty') {
    // In-process pretty stream rather than a transport: transports need worker threads, which Deno lacks for pino.
    return pino(base, pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  }
  // Asynchronous writes: while one write(2) is in flight, further lines queue and go out together, so under load
  // there is far less than a syscall per line, and a quiet process still shows each line at once. pino flushes
  // what is queued when the process exits.
  return pino(base, pino.destination({ dest: 1, sync: false }));
}
