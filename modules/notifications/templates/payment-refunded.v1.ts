import { paymentRefunded } from '../../payments/index.ts';
import { formatMoney } from '../domain/money.ts';
import { defineTemplate } from './message-template.ts';

export const paymentRefundedV1 = defineTemplate({
  name: 'payment-refunded',
  version: 1,
  event: paymentRefunded,
  customerOf: (p) => p.customerId,
  referenceOf: (p) => p.reference,
  render: (p) => ({
    subject: 'Your refund is on its way',
    text: [
      `We have refunded ${formatMoney({ amount: p.amount, currency: p.currency })} to your payment method.`,
      ...(p.refundedAmount > p.amount ? [`Refunded for this order so far: ${formatMoney({ amount: p.refundedAmount, currency: p.currency })}.`] : []),
      '',
      `Order reference: ${p.reference}`,
    ].join('\n'),
  }),
});
