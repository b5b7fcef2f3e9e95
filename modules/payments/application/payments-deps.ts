import type { ModuleContext } from '../../../platform/host/index.ts';
import type { PaymentProvider } from '../infrastructure/provider/payment-provider.ts';

/** What payments' use cases need: its database, its outbox, the provider and the deadline of a provider call. */
export interface PaymentsDeps extends Pick<ModuleContext, 'db' | 'transaction' | 'outbox'> {
  provider: PaymentProvider;
  providerTimeoutMs: number;
}
