import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/support/temp-dir.ts';
import { runInContext } from './context.ts';
import { batchedDestination, childWithIds, createLogger } from './logger.ts';

function capture(service?: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger({ level: 'info', format: 'json', destination, ...(service ? { service } : {}) }) };
}

describe('log lines', () => {
  it('carry the service, and the request and correlation ids of the work they are written in', () => {
    const { lines, log } = capture('cleave-orders');
    log.info('outside any request');
    runInContext({ requestId: 'req-1', correlationId: 'corr-1' }, () => {
      log.child({ module: 'catalog' }).info({ sku: 'A-1' }, 'inside a request');
      log.info({ requestId: 'given' }, 'a line naming its own request id');
    });
    expect(lines[0]).toMatchObject({ service: 'cleave-orders', msg: 'outside any request' });
    expect(lines[0]).not.toHaveProperty('requestId');
    expect(lines[1]).toMatchObject({ service: 'cleave-orders', module: 'catalog', requestId: 'req-1', correlationId: 'corr-1', sku: 'A-1' });
    expect(lines[1]).not.toHaveProperty('trace_id');
    expect(lines[2]).toMatchObject({ requestId: 'given', correlationId: 'corr-1' });
  });

  it('name each id once: a logger that binds the ids itself gets no second copy from the context', () => {
    const raw: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const log = createLogger({ level: 'info', format: 'json', destination });
    runInContext({ requestId: 'req-1', correlationId: 'batch-first' }, () => {
      // As a consumer batch does: the context is the batch's first delivery's, the logger this delivery's.
      const bound = childWithIds(log, { correlationId: 'this-delivery', module: 'inventory' });
      bound.info('handled');
      bound.child({ step: 2 }).info('a child of it');
      log.child({ module: 'catalog' }).info('unbound');
    });
    const count = (line: string, key: string) => line.split(`"${key}":`).length - 1;
    for (const line of raw) for (const key of ['requestId', 'correlationId']) expect(count(line, key), `${key} in ${line}`).toBeLessThanOrEqual(1);
    const [handled, child, unbound] = raw.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(handled).toMatchObject({ correlationId: 'this-delivery', module: 'inventory' });
    expect(child).toMatchObject({ correlationId: 'this-delivery', step: 2 });
    expect(unbound).toMatchObject({ requestId: 'req-1', correlationId: 'batch-first', module: 'catalog' });
  });

  it('leave out the service when none is given', () => {
    const { lines, log } = capture();
    log.info('plain');
    expect(lines[0]).not.toHaveProperty('service');
  });
});

describe('the batched destination', () => {
  it('writes a lone line within its period, and makes no write while nothing waits', async () => {
    const dir = tempDir('log');
    const file = join(dir, 'out.log');
    const sink = batchedDestination(file);
    try {
      await once(sink, 'ready');
      const writes: number[] = [];
      sink.on('write', (bytes: number) => writes.push(bytes));
      // Below the batch size: only the timer writes it.
      sink.write('{"msg":"alone"}\n');
      const deadline = Date.now() + 10_000;
      // The file can hold the line before sonic-boom's write callback has run and emitted 'write': wait for both.
      while (readFileSync(file, 'utf8') !== '{"msg":"alone"}\n' || writes.length === 0) {
        if (Date.now() > deadline) throw new Error('the line was not written within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(writes).toEqual([16]);
      // Four periods idle: sonic-boom's own periodic flush would have made an empty write(2) in each.
      await new Promise((resolve) => setTimeout(resolve, 450));
      expect(writes).toEqual([16]);
      sink.write('{"msg":"again"}\n');
      sink.write('{"msg":"and again"}\n');
      while (readFileSync(file, 'utf8').split('\n').length < 4) {
        if (Date.now() > deadline + 10_000) throw new Error('the later lines were not written');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(readFileSync(file, 'utf8')).toBe('{"msg":"alone"}\n{"msg":"again"}\n{"msg":"and again"}\n');
    } finally {
      sink.end();
      await once(sink, 'close');
    }
  });
});
