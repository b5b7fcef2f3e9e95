/**
 * @module payments
 * The payments bounded context: payment intents authorized, captured, voided and refunded at a provider behind an
 * adapter, and the double-entry ledger of every money movement. Other modules import only this file.
 */
export { paymentsModule } from './module.ts';
export { paymentsContract } from './contract/contract.ts';
export { paymentAuthorized, paymentDeclined, paymentCaptured, paymentVoided, paymentRefunded } from './contract/events.ts';
export type { PaymentIntentDto, LedgerDto } from './contract/payments.schemas.ts';
export { paymentsConsumes } from './contract/consumes.ts';
