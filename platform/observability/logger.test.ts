import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runInContext } from './context.ts';
import { createLogger } from './logger.ts';

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

  it('leave out the service when none is given', () => {
    const { lines, log } = capture();
    log.info('plain');
    expect(lines[0]).not.toHaveProperty('service');
  });
});
