import { describe, expect, it } from 'vitest';
import { notificationsModuleWith } from '../module.ts';
import { orderConfirmedV1 } from '../templates/order-confirmed.v1.ts';
import { orderRejectedV1 } from '../templates/order-rejected.v1.ts';
import { paymentRefundedV1 } from '../templates/payment-refunded.v1.ts';
import { templateRegistry, templates } from '../templates/registry.ts';
import { defineTemplate, type MessageTemplate } from '../templates/message-template.ts';

describe('notification templates', () => {
  it('the module refuses to start when a subscribed event has no template, naming the events', () => {
    expect(() => notificationsModuleWith(templateRegistry([orderConfirmedV1] as MessageTemplate[]))).toThrow(
      'notifications subscribes to ordering.order-rejected@v1, payments.payment-refunded@v1 but has no template for them.',
    );
    expect(notificationsModuleWith(templateRegistry(templates)).subscriptions?.map((s) => s.handler)).toEqual([
      'notify-order-confirmed',
      'notify-order-rejected',
      'notify-payment-refunded',
      // identity.user-erased needs no template: it erases, it sends nothing.
      'erase-customer',
    ]);
  });

  it('refuses two templates for one event (two messages) or under one name and version', () => {
    const second = defineTemplate({ ...orderConfirmedV1, version: 2 });
    expect(() => templateRegistry([orderConfirmedV1, second] as MessageTemplate[])).toThrow(/two templates \(order-confirmed@1, order-confirmed@2\)/);
    expect(() => templateRegistry([orderRejectedV1, orderRejectedV1] as MessageTemplate[])).toThrow('Template order-rejected@1 is registered twice.');
  });

  it("amounts are read with their currency's minor unit: yen have none, dinars three decimals, euros two", () => {
    const refunded = (amount: number, currency: string) =>
      paymentRefundedV1.render({ intentId: '', reference: 'o-1', customerId: 'c', amount, currency, refundedAmount: amount }).text;
    expect(refunded(1500, 'JPY')).toContain('We have refunded 1500 JPY');
    expect(refunded(1500, 'BHD')).toContain('We have refunded 1.500 BHD');
    expect(refunded(1505, 'EUR')).toContain('We have refunded 15.05 EUR');
    expect(refunded(7, 'EUR')).toContain('We have refunded 0.07 EUR');
  });

  it('keys templates by name@version', () => {
    expect([...templateRegistry(templates).byKey.keys()]).toEqual(['order-confirmed@1', 'order-rejected@1', 'payment-refunded@1']);
    expect(paymentRefundedV1.render({ intentId: '', reference: 'o-1', customerId: 'c', amount: 5, currency: 'EUR', refundedAmount: 1005 }).text).toContain(
      'Refunded for this order so far: 10.05 EUR.',
    );
  });
});
