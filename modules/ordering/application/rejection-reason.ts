import type { StepFailure } from '../../../platform/sagas/index.ts';
import type { RejectionReason } from '../domain/order.ts';

// Problems the participants answer for a business reason the customer can act on; anything else is generic.
const businessCodes = /^(inventory|payments|catalog|ordering)\/[a-z0-9-]+$/;
const technical = new Set(['payments/provider-unavailable', 'payments/provider-timeout']);

/** Why an order was rejected, from the failure that made the checkout turn back. */
export function rejectionReason(failure: StepFailure | undefined): RejectionReason {
  const code = failure?.code ?? null;
  if (failure && !failure.timedOut && code && businessCodes.test(code) && !technical.has(code)) return { code, message: failure.message };
  const detail = failure ? ` (${failure.step}: ${failure.timedOut ? 'no answer in time' : failure.message || 'failed'})` : '';
  return { code: 'ordering/checkout-failed', message: `The checkout could not be completed${detail}.` };
}
