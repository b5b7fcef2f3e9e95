import { consumedEvent, defineConsumerContract } from '../../../platform/contracts/index.ts';
import { identityContract, userErased } from '../../identity/index.ts';

/** Erasures: the customer's intents stay (accounting records) under the erasure's pseudonym. */
export const paymentsConsumesIdentity = defineConsumerContract({
  consumer: 'payments',
  provider: identityContract,
  events: [consumedEvent(userErased, ['userId', 'erasureId'])],
});

/** Every consumer contract of payments, one per provider. */
export const paymentsConsumes = [paymentsConsumesIdentity] as const;
