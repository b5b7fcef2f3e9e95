import { consumedEvent, defineConsumerContract } from '../../../platform/contracts/index.ts';
import { identityContract, userErased } from '../../identity/index.ts';
import { orderConfirmed, orderingContract, orderRejected } from '../../ordering/index.ts';
import { paymentRefunded, paymentsContract } from '../../payments/index.ts';

/** Where to write to a customer: identity's opened contact details (only the address is used); erasures to carry out and confirm. */
export const notificationsConsumesIdentity = defineConsumerContract({
  consumer: 'notifications',
  provider: identityContract,
  operations: {
    getUserContact: { sends: ['params.userId'], reads: ['email'] },
    confirmErasure: { sends: ['params.erasureId', 'params.module', 'body.erased[].table', 'body.erased[].rows'], reads: ['confirmedAt'] },
  },
  events: [consumedEvent(userErased, ['userId', 'erasureId'])],
});

/** The order events a customer gets a message about, and the payload fields the templates read. */
export const notificationsConsumesOrdering = defineConsumerContract({
  consumer: 'notifications',
  provider: orderingContract,
  events: [
    consumedEvent(orderConfirmed, [
      'orderId',
      'customerId',
      'lines[].name',
      'lines[].sku',
      'lines[].quantity',
      'lines[].unitPrice.amount',
      'lines[].unitPrice.currency',
      'total.amount',
      'total.currency',
    ]),
    consumedEvent(orderRejected, ['orderId', 'customerId', 'total.amount', 'total.currency', 'reason.code']),
  ],
});

export const notificationsConsumesPayments = defineConsumerContract({
  consumer: 'notifications',
  provider: paymentsContract,
  events: [consumedEvent(paymentRefunded, ['reference', 'customerId', 'amount', 'currency', 'refundedAmount'])],
});

/** Every consumer contract of notifications, one per provider. */
export const notificationsConsumes = [notificationsConsumesIdentity, notificationsConsumesOrdering, notificationsConsumesPayments] as const;
