import { describe, expect, it } from 'vitest';
import { problemsOf } from '../../tests/support/config-problems.ts';
import { ConfigError, loadConfig } from './load-config.ts';
import { parseSagaCrashPoint } from './fault-settings.ts';

describe('fault settings (FAULT_SAGA_CRASH_AT)', () => {
  it('default: no fault', () => {
    expect(loadConfig({}).faults).toEqual({ sagaCrashAt: undefined });
  });

  it('reads <saga>:<at>:<step>, the first time by default, or the n-th with @n', () => {
    expect(loadConfig({ FAULT_SAGA_CRASH_AT: 'checkout:invoked:authorize-payment' }).faults.sagaCrashAt).toEqual({
      saga: 'checkout',
      at: 'invoked',
      step: 'authorize-payment',
      occurrence: 1,
    });
    expect(parseSagaCrashPoint(' checkout:recorded-compensation:reserve-stock@3 ')).toEqual({
      saga: 'checkout',
      at: 'recorded-compensation',
      step: 'reserve-stock',
      occurrence: 3,
    });
    expect(loadConfig({ NODE_ENV: 'test', FAULT_SAGA_CRASH_AT: 'checkout:intent-recorded:reserve-stock@2' }).faults.sagaCrashAt?.occurrence).toBe(2);
  });

  it.each([
    ['checkout:invoked', 'must be <saga>:<at>:<step>'],
    ['checkout:invoked:authorize-payment:x', 'must be <saga>:<at>:<step>'],
    ['Checkout:invoked:authorize-payment', 'must be <saga>:<at>:<step>'],
    ['checkout:started:authorize-payment', '"started" is not a saga trace point: one of intent-recorded, invoked'],
    ['checkout:invoked:authorize-payment@0', 'the count after @ must be a whole number from 1'],
    ['checkout:invoked:authorize-payment@1.5', 'the count after @ must be a whole number from 1'],
    ['checkout:invoked:authorize-payment@', 'the count after @ must be a whole number from 1'],
    ['checkout:invoked:authorize-payment@1@2', 'must be <saga>:<at>:<step>'],
  ])('refuses %s with a message naming the variable', (value, message) => {
    expect(problemsOf({ FAULT_SAGA_CRASH_AT: value })).toEqual([{ variable: 'FAULT_SAGA_CRASH_AT', message: expect.stringContaining(message) }]);
  });

  it('is refused with NODE_ENV=production, with a readable error', () => {
    expect(problemsOf({ NODE_ENV: 'production', FAULT_SAGA_CRASH_AT: 'checkout:invoked:authorize-payment' })).toContainEqual({
      variable: 'FAULT_SAGA_CRASH_AT',
      message: expect.stringContaining('refused with NODE_ENV=production'),
    });
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', FAULT_SAGA_CRASH_AT: 'checkout:invoked:authorize-payment' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/FAULT_SAGA_CRASH_AT: kills the process on purpose .*refused with NODE_ENV=production/);
  });
});
