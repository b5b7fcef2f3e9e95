import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineSaga, sagaKey, step } from './define-saga.ts';

const input = z.object({ id: z.string() });
const noop = async () => undefined;

describe('defineSaga', () => {
  it('refuses a point of no return that is not one of its steps', () => {
    expect(() => defineSaga({ name: 'pay', input, pointOfNoReturn: 'ship', steps: [step('charge', { invoke: noop })] })).toThrow(/pointOfNoReturn ship/);
  });

  it('refuses a step named twice, and a name that is not kebab-case', () => {
    const twice = [step('charge', { invoke: noop }), step('charge', { invoke: noop })];
    expect(() => defineSaga({ name: 'pay', input, pointOfNoReturn: 'charge', steps: twice })).toThrow(/twice/);
    expect(() => defineSaga({ name: 'Pay', input, pointOfNoReturn: 'charge', steps: [step('charge', { invoke: noop })] })).toThrow(/kebab-case/);
  });

  it('refuses a lease shorter than twice the slowest step: a step could outlive it and run beside its takeover', () => {
    const slow = [step('charge', { invoke: noop, timeoutMs: 20_000 })];
    expect(() => defineSaga({ name: 'pay', input, pointOfNoReturn: 'charge', steps: slow })).toThrow(/leaseMs/);
    expect(defineSaga({ name: 'pay', input, pointOfNoReturn: 'charge', steps: slow, timings: { leaseMs: 40_000 } }).timings.leaseMs).toBe(40_000);
  });

  it('keys each action of each step of each saga apart, the same on every attempt', () => {
    expect(sagaKey('b-1', 'charge', 'invoke')).toBe('saga:b-1:charge:invoke');
    expect(sagaKey('b-1', 'charge', 'compensate')).toBe('saga:b-1:charge:compensate');
  });
});
