import { consumedEvent, defineConsumerContract } from '../../../platform/contracts/index.ts';
import { identityContract, userErased } from '../../identity/index.ts';

/** Erasures: the customer's intents stay (accounting records) under the erasure's pseudonym; payments confirms its part. */
export const paymentsConsumesIdentity = defineConsumerContract({
  consumer: 'payments',
  provider: identityContract,
  operations: {
    confirmErasure: { sends: ['params.erasureId', 'params.module', 'body.erased[].table', 'body.erased[].rows'], reads: ['confirmedAt'] },
  },
  events: [consumedEvent(userErased, ['userId', 'erasureId'])],
});

/** Every consumer contract of payments, one per provider. */
export const paymentsConsumes = [paymentsConsumesIdentity] as const;
