import { defineContract } from '../../../platform/contracts/index.ts';
import { paymentAuthorized, paymentCaptured, paymentDeclined, paymentRefunded, paymentVoided } from './events.ts';
import { authorizePayment, capturePayment, getLedger, getPayment, refundPayment, voidPayment } from './payments.routes.ts';

export const paymentsContract = defineContract('payments', {
  routes: { authorizePayment, capturePayment, voidPayment, refundPayment, getPayment, getLedger },
  events: [paymentAuthorized, paymentDeclined, paymentCaptured, paymentVoided, paymentRefunded],
});
