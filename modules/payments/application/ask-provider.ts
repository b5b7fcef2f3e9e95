import { ProviderTimeout, ProviderUnavailable } from '../domain/errors.ts';
import { ProviderError } from '../infrastructure/provider/payment-provider.ts';
import { hang } from '../infrastructure/provider/random.ts';
import type { PaymentsDeps } from './payments-deps.ts';

/**
 * Calls the provider with payments' deadline. No transaction of payments is open meanwhile: a provider call can
 * take seconds, and its outcome is recorded afterwards. A provider error becomes `payments/provider-unavailable`;
 * no answer in time `payments/provider-timeout` (the outcome is unknown; the same key asks again).
 */
export async function askProvider<T>(
  deps: Pick<PaymentsDeps, 'providerTimeoutMs'>,
  operation: string,
  intentId: string,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ProviderTimeout(operation, intentId, deps.providerTimeoutMs)), deps.providerTimeoutMs);
  try {
    // The race ends the wait even for a provider that ignores the signal.
    return await Promise.race([call(controller.signal), hang(controller.signal)]);
  } catch (error) {
    if (controller.signal.aborted) throw new ProviderTimeout(operation, intentId, deps.providerTimeoutMs);
    if (error instanceof ProviderError) throw new ProviderUnavailable(operation, intentId, error);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
