import { describe, expect, it } from 'vitest';
import { createLogger } from '../observability/index.ts';
import { crashAtSagaPoint } from './crash-at.ts';
import type { SagaTracePoint } from './define-saga.ts';

const log = createLogger({ level: 'silent', format: 'json' });
const at = (step: string, point: SagaTracePoint['at'], saga = 'checkout'): SagaTracePoint => ({ saga, id: 's1', step, at: point });

describe('crashAtSagaPoint', () => {
  it('kills at the first matching point only, and never at another saga, step or point', () => {
    const kills: number[] = [];
    const trace = crashAtSagaPoint({ saga: 'checkout', at: 'invoked', step: 'authorize-payment', occurrence: 1 }, log, () => kills.push(1));
    trace(at('authorize-payment', 'intent-recorded'));
    trace(at('reserve-stock', 'invoked'));
    trace(at('authorize-payment', 'invoked', 'refund'));
    expect(kills).toEqual([]);
    trace(at('authorize-payment', 'invoked'));
    expect(kills).toEqual([1]);
    trace(at('authorize-payment', 'invoked'));
    expect(kills).toEqual([1]);
  });

  it('with @n, kills the n-th time the point is passed (by any saga of that name)', () => {
    let killed = 0;
    const trace = crashAtSagaPoint({ saga: 'checkout', at: 'recorded', step: 'reserve-stock', occurrence: 3 }, log, () => (killed += 1));
    trace(at('reserve-stock', 'recorded'));
    trace({ ...at('reserve-stock', 'recorded'), id: 's2' });
    expect(killed).toBe(0);
    trace({ ...at('reserve-stock', 'recorded'), id: 's3' });
    expect(killed).toBe(1);
  });
});
