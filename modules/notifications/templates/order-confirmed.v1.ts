import { orderConfirmed } from '../../ordering/index.ts';
import { formatMoney } from '../domain/money.ts';
import { defineTemplate } from './message-template.ts';

export const orderConfirmedV1 = defineTemplate({
  name: 'order-confirmed',
  version: 1,
  event: orderConfirmed,
  customerOf: (p) => p.customerId,
  referenceOf: (p) => p.orderId,
  render: (p) => ({
    subject: `Your order ${p.orderId.slice(0, 8)} is confirmed`,
    text: [
      'Thank you for your order. We have reserved your items and your payment is authorized:',
      '',
      ...p.lines.map(
        (l) => `  ${l.quantity} × ${l.name} (${l.sku})  ${formatMoney({ amount: l.unitPrice.amount * l.quantity, currency: l.unitPrice.currency })}`,
      ),
      '',
      `Total: ${formatMoney(p.total)}`,
      `Order reference: ${p.orderId}`,
    ].join('\n'),
  }),
});
