import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, runInContext, type Logger } from '../observability/index.ts';
import { accessLog, type AccessLine } from './access-log.ts';

const everyLine = { mode: 'all', sampleRate: 1, slowMs: 500 } as const;

/** What a logger wrote, line by line, with the time made constant (both ways take `Date.now()` on their own). */
function capture(make: (destination: pino.DestinationStream) => Logger): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = make({ write: (line: string) => lines.push(line.replace(/"time":\d+/, '"time":0')) });
  return { log, lines };
}

/** The line as pino's generic path writes it: what `accessLog` wrote before it put lines together itself. */
function throughPino(log: Logger, line: AccessLine): void {
  log.child({}, { redact: [] }).info(line, 'request');
}

// Strings as they reach the line: request ids and paths may hold quotes, backslashes, control and non-ASCII characters.
const text = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '/', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', 'é', '€', '😀', '\u2028'), maxLength: 12 });
const line: fc.Arbitrary<AccessLine> = fc.record(
  {
    requestId: text,
    correlationId: fc.option(text, { nil: undefined }),
    module: fc.option(text, { nil: undefined }),
    caller: fc.option(text, { nil: undefined }),
    method: fc.constantFrom('GET', 'POST', 'DELETE'),
    path: text,
    status: fc.integer({ min: 100, max: 599 }),
    ms: fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constant(Number.NaN)),
    trace_id: text,
    span_id: text,
  },
  { requiredKeys: ['requestId', 'correlationId', 'module', 'caller', 'method', 'path', 'status', 'ms'] },
);

describe('access log line', () => {
  it('is byte for byte the line pino writes, for any field values, with and without a service binding', () => {
    for (const service of [undefined, 'orders "east"']) {
      const options = { level: 'info', format: 'json', ...(service ? { service } : {}) } as const;
      fc.assert(
        fc.property(line, (fields) => {
          const direct = capture((destination) => createLogger({ ...options, destination }));
          const generic = capture((destination) => createLogger({ ...options, destination }));
          accessLog(direct.log, everyLine)(fields);
          throughPino(generic.log, fields);
          expect(direct.lines).toEqual(generic.lines);
          expect(direct.lines).toHaveLength(1);
          expect(JSON.parse(direct.lines[0] as string)).toMatchObject({ level: 30, msg: 'request', status: fields.status });
        }),
        { numRuns: 300 },
      );
    }
  });

  it("carries a child logger's bindings, and inside an execution context the context's fields, as pino does", () => {
    const fields: AccessLine = {
      requestId: 'r-1',
      correlationId: undefined,
      module: 'catalog',
      caller: undefined,
      method: 'GET',
      path: '/catalog/v1/x',
      status: 200,
      ms: 1.5,
    };
    const make = (destination: pino.DestinationStream) => createLogger({ level: 'info', format: 'json', destination }).child({ component: 'edge' });
    const direct = capture(make);
    const generic = capture(make);
    const write = accessLog(direct.log, everyLine);
    write(fields);
    throughPino(generic.log, fields);
    // Inside a context the logger's mixin adds the context's ids; the line's own fields win, an absent one included.
    runInContext({ requestId: 'outer', correlationId: 'corr-9', causationId: 'outer' }, () => {
      write(fields);
      throughPino(generic.log, fields);
    });
    expect(direct.lines).toEqual(generic.lines);
    expect(JSON.parse(direct.lines[0] as string)).toMatchObject({ component: 'edge', requestId: 'r-1' });
    expect(JSON.parse(direct.lines[1] as string)).toMatchObject({ component: 'edge', requestId: 'r-1' });
    expect(direct.lines[1]).not.toContain('corr-9');
  });

  it('goes through pino where the logger changes lines (a log formatter), and writes nothing below info', () => {
    const fields: AccessLine = {
      requestId: 'r-2',
      correlationId: undefined,
      module: undefined,
      caller: undefined,
      method: 'GET',
      path: '/',
      status: 404,
      ms: 0.25,
    };
    const formatted = capture((destination) => pino({ base: null, formatters: { log: (o) => ({ ...o, shaped: true }) } }, destination));
    accessLog(formatted.log, everyLine)(fields);
    expect(JSON.parse(formatted.lines[0] as string)).toMatchObject({ requestId: 'r-2', shaped: true, msg: 'request' });

    const quiet = capture((destination) => createLogger({ level: 'warn', format: 'json', destination }));
    accessLog(quiet.log, everyLine)(fields);
    expect(quiet.lines).toEqual([]);
  });
});
