import { orderRejected } from '../../ordering/index.ts';
import { formatMoney } from '../domain/money.ts';
import { explainRejection } from '../domain/rejection-reasons.ts';
import { defineTemplate } from './message-template.ts';

export const orderRejectedV1 = defineTemplate({
  name: 'order-rejected',
  version: 1,
  event: orderRejected,
  customerOf: (p) => p.customerId,
  referenceOf: (p) => p.orderId,
  render: (p) => ({
    subject: 'We could not complete your order',
    text: [
      `We are sorry: your order of ${formatMoney(p.total)} could not be completed.`,
      '',
      explainRejection(p.reason.code),
      '',
      `Order reference: ${p.orderId}`,
    ].join('\n'),
  }),
});
