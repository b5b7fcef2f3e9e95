import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.ts';

function problems(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('payments settings', () => {
  it('default to a simulator with 20 ms latency, no faults, a 2 s deadline and Math.random', () => {
    expect(loadConfig({}).payments.provider).toEqual({
      kind: 'simulator',
      latencyMs: 20,
      declineRate: 0,
      errorRate: 0,
      timeoutRate: 0,
      lostReplyRate: 0,
      timeoutMs: 2000,
      seed: undefined,
    });
  });

  it('read every PAYMENTS_PROVIDER_* variable', () => {
    const config = loadConfig({
      PAYMENTS_PROVIDER_LATENCY_MS: '5',
      PAYMENTS_PROVIDER_DECLINE_RATE: '0.1',
      PAYMENTS_PROVIDER_ERROR_RATE: '0.2',
      PAYMENTS_PROVIDER_TIMEOUT_RATE: '0.05',
      PAYMENTS_PROVIDER_LOST_REPLY_RATE: '0.05',
      PAYMENTS_PROVIDER_TIMEOUT_MS: '750',
      PAYMENTS_PROVIDER_SEED: '42',
    });
    expect(config.payments.provider).toEqual({
      kind: 'simulator',
      latencyMs: 5,
      declineRate: 0.1,
      errorRate: 0.2,
      timeoutRate: 0.05,
      lostReplyRate: 0.05,
      timeoutMs: 750,
      seed: 42,
    });
  });

  it('a rate outside 0..1 or not a number is a problem named after its variable', () => {
    expect(problems({ PAYMENTS_PROVIDER_DECLINE_RATE: '1.5', PAYMENTS_PROVIDER_ERROR_RATE: '-0.1', PAYMENTS_PROVIDER_LOST_REPLY_RATE: 'often' })).toEqual([
      { variable: 'PAYMENTS_PROVIDER_DECLINE_RATE', message: 'must be from 0 to 1' },
      { variable: 'PAYMENTS_PROVIDER_ERROR_RATE', message: 'must be from 0 to 1' },
      { variable: 'PAYMENTS_PROVIDER_LOST_REPLY_RATE', message: 'must be a number' },
    ]);
  });

  it('a deadline of 0, a negative latency or a fractional seed are refused', () => {
    expect(problems({ PAYMENTS_PROVIDER_TIMEOUT_MS: '0', PAYMENTS_PROVIDER_LATENCY_MS: '-1', PAYMENTS_PROVIDER_SEED: '1.5' }).map((p) => p.variable)).toEqual([
      'PAYMENTS_PROVIDER_LATENCY_MS',
      'PAYMENTS_PROVIDER_TIMEOUT_MS',
      'PAYMENTS_PROVIDER_SEED',
    ]);
  });

  it('error, timeout and lost-reply rates are shares of the same calls: together at most 1', () => {
    expect(problems({ PAYMENTS_PROVIDER_ERROR_RATE: '0.6', PAYMENTS_PROVIDER_TIMEOUT_RATE: '0.3', PAYMENTS_PROVIDER_LOST_REPLY_RATE: '0.2' })).toEqual([
      { variable: 'PAYMENTS_PROVIDER_ERROR_RATE', message: expect.stringContaining('must add up to at most 1') },
    ]);
  });

  it('a latency that healthy calls could not finish within the deadline is refused', () => {
    expect(problems({ PAYMENTS_PROVIDER_LATENCY_MS: '600', PAYMENTS_PROVIDER_TIMEOUT_MS: '1000' })).toEqual([
      { variable: 'PAYMENTS_PROVIDER_LATENCY_MS', message: 'must be less than half of PAYMENTS_PROVIDER_TIMEOUT_MS, or healthy calls would time out' },
    ]);
  });
});
