import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, runInContext, type Logger } from '../observability/index.ts';
import { tempDir } from '../../tests/support/temp-dir.ts';
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

  it("hands a buffered file stream (pino's destination, as for stdout) the lines of one turn in one write", async () => {
    const dir = tempDir('access-log');
    const file = join(dir, 'log');
    const destination = pino.destination({ dest: file, sync: false, minLength: 4096 });
    // The file is opened asynchronously: `flushSync` before it is open throws (seen on a loaded CI machine).
    await new Promise((resolve) => destination.once('ready', resolve));
    const writes: string[] = [];
    const write = destination.write.bind(destination);
    destination.write = (data: string) => {
      writes.push(data);
      return write(data);
    };
    const log = accessLog(createLogger({ level: 'info', format: 'json', destination }), everyLine);
    const fields = (i: number): AccessLine => ({
      requestId: `r-${i}`,
      correlationId: undefined,
      module: 'm',
      caller: undefined,
      method: 'GET',
      path: '/',
      status: 200,
      ms: 1,
    });
    for (let i = 0; i < 5; i++) log(fields(i));
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);
    expect(
      (writes[0] as string)
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).requestId),
    ).toEqual(['r-0', 'r-1', 'r-2', 'r-3', 'r-4']);
    log(fields(5));
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(2);
    destination.flushSync();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(6);
  });

  it('loses no batched line when the process exits in the same turn as it wrote them', () => {
    const dir = tempDir('access-log');
    const file = join(dir, 'log');
    // A child that writes 50 lines and exits at once: the batch is flushed ahead of pino's flush of its stream.
    const script = `
      import { pino } from 'pino';
      import { createLogger } from './platform/observability/index.ts';
      import { accessLog } from './platform/http/access-log.ts';
      import { once } from 'node:events';
      const destination = pino.destination({ dest: ${JSON.stringify(file)}, sync: false, minLength: 4096 });
      // Open, as stdout is from the start.
      await once(destination, 'ready');
      const log = accessLog(createLogger({ level: 'info', format: 'json', destination }), { mode: 'all', sampleRate: 1, slowMs: 500 });
      for (let i = 0; i < 50; i++) log({ requestId: 'r-' + i, correlationId: undefined, module: 'm', caller: undefined, method: 'GET', path: '/', status: 200, ms: 1 });
      process.exit(0);
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).requestId)).toEqual(Array.from({ length: 50 }, (_, i) => `r-${i}`));
  });
});
