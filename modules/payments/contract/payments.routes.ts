import { contractRoute, jsonContent } from '../../../platform/http/index.ts';
import { authorizePaymentSchema, intentIdParams, ledgerQuery, ledgerSchema, paymentIntentSchema, refundPaymentSchema } from './payments.schemas.ts';

// Ordering's checkout saga calls these as itself (module identity); staff and operators with the scopes may too.
const write = { scopes: ['payments:write'], modules: ['ordering'] } as const;
const read = { scopes: ['payments:read'], modules: ['ordering'] } as const;
const unavailable = ['payments/provider-unavailable', 'payments/provider-timeout'];

export const authorizePayment = contractRoute({
  method: 'post',
  path: '/payments/v1/intents/{intentId}/authorize',
  access: write,
  tags: ['payments'],
  summary: 'Create a payment intent and authorize it at the provider (idempotent by intent id)',
  request: { params: intentIdParams, body: { content: jsonContent(authorizePaymentSchema), required: true } },
  errors: {
    409: ['payments/card-declined', 'payments/intent-conflict', 'payments/intent-voided'],
    503: unavailable,
  },
  responses: {
    201: { description: 'Authorized', content: jsonContent(paymentIntentSchema) },
    200: { description: 'This intent was already authorized (or further); nothing changed', content: jsonContent(paymentIntentSchema) },
  },
});

export const capturePayment = contractRoute({
  method: 'post',
  path: '/payments/v1/intents/{intentId}/capture',
  access: write,
  tags: ['payments'],
  summary: 'Capture the authorized amount (idempotent)',
  request: { params: intentIdParams },
  errors: { 404: ['payments/intent-not-found'], 409: ['payments/intent-not-capturable'], 503: unavailable },
  responses: { 200: { description: 'Captured', content: jsonContent(paymentIntentSchema) } },
});

export const voidPayment = contractRoute({
  method: 'post',
  path: '/payments/v1/intents/{intentId}/void',
  access: write,
  tags: ['payments'],
  summary: 'Void an authorization (idempotent; an unknown intent is refused from then on)',
  description:
    'Voiding an intent this service has never seen answers 404 and leaves a tombstone: an authorize with that id that arrives later (a request that was still in flight) is refused with payments/intent-voided, so nothing stays authorized.',
  request: { params: intentIdParams },
  errors: { 404: ['payments/intent-not-found'], 409: ['payments/intent-not-voidable'], 503: unavailable },
  responses: { 200: { description: 'Voided', content: jsonContent(paymentIntentSchema) } },
});

export const refundPayment = contractRoute({
  method: 'post',
  path: '/payments/v1/intents/{intentId}/refund',
  access: write,
  tags: ['payments'],
  summary: 'Refund a captured payment, in full or in part (send an Idempotency-Key to retry safely)',
  request: { params: intentIdParams, body: { content: jsonContent(refundPaymentSchema), required: true } },
  errors: {
    404: ['payments/intent-not-found'],
    409: ['payments/intent-not-refundable', 'payments/refund-exceeds-capture', 'payments/refund-key-reused'],
    503: unavailable,
  },
  responses: { 200: { description: 'Refunded', content: jsonContent(paymentIntentSchema) } },
});

export const getPayment = contractRoute({
  method: 'get',
  path: '/payments/v1/intents/{intentId}',
  access: read,
  tags: ['payments'],
  summary: 'Read a payment intent',
  request: { params: intentIdParams },
  errors: { 404: ['payments/intent-not-found'] },
  responses: { 200: { description: 'The intent', content: jsonContent(paymentIntentSchema) } },
});

export const getLedger = contractRoute({
  method: 'get',
  path: '/payments/v1/ledger',
  access: { scopes: ['payments:read'] },
  tags: ['payments'],
  summary: 'Balances of the double-entry ledger per account, and whether it balances',
  request: { query: ledgerQuery },
  responses: { 200: { description: 'The ledger', content: jsonContent(ledgerSchema) } },
});
