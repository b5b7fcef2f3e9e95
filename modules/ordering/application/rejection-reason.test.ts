import { describe, expect, it } from 'vitest';
import { rejectionReason } from './rejection-reason.ts';

describe('rejection reason', () => {
  it("is the participant's problem when it refused for a business reason", () => {
    const failure = { step: 'authorize-payment', code: 'payments/card-declined', message: 'declined', timedOut: false };
    expect(rejectionReason(failure)).toEqual({ code: 'payments/card-declined', message: 'declined' });
  });

  it('is ordering/checkout-failed for a timeout, an outage, or a failure without a code', () => {
    for (const failure of [
      { step: 'reserve-stock', code: null, message: 'timed out after 10000 ms', timedOut: true },
      { step: 'authorize-payment', code: 'payments/provider-unavailable', message: 'down', timedOut: false },
      { step: 'reserve-stock', code: 'http/forbidden', message: 'no', timedOut: false },
      undefined,
    ]) {
      expect(rejectionReason(failure).code).toBe('ordering/checkout-failed');
    }
  });
});
