import { z } from '@hono/zod-openapi';
import { currencyCode, moneyAmount, text, uuid } from '../../../platform/http/index.ts';

const minorUnits = moneyAmount({ min: 1 });

export const intentStatuses = ['pending', 'authorized', 'declined', 'captured', 'voided', 'refunded'] as const;

export const paymentIntentSchema = z
  .object({
    id: uuid(),
    reference: z.string().openapi({ description: 'What the payment is for, chosen by the caller (ordering: the order id).' }),
    customerId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    status: z.enum(intentStatuses),
    capturedAmount: z.number().int(),
    refundedAmount: z.number().int(),
    declineReason: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('PaymentIntent');

export const intentIdParams = z.object({
  intentId: uuid().openapi({
    param: { name: 'intentId', in: 'path' },
    description: 'Chosen by the caller; repeating an operation on the same intent is safe.',
  }),
});

export const authorizePaymentSchema = z
  .object({ reference: text({ min: 1, max: 200 }), customerId: text({ min: 1, max: 200 }), amount: minorUnits, currency: currencyCode() })
  .strict()
  .openapi('AuthorizePayment');

export const refundPaymentSchema = z
  .object({ amount: minorUnits.optional().openapi({ description: 'Defaults to what is captured and not yet refunded.' }) })
  .strict()
  .openapi('RefundPayment');

export const ledgerAccountSchema = z.object({
  account: z.string().openapi({ description: 'customer-funds, authorizations, merchant, refunds …' }),
  currency: z.string(),
  debits: z.number().int(),
  credits: z.number().int(),
  balance: z.number().int().openapi({ description: 'debits − credits' }),
});

export const ledgerSchema = z
  .object({
    balanced: z.boolean().openapi({ description: 'Whether every journal entry, and so the whole ledger, has debits equal to credits.' }),
    entries: z.number().int(),
    accounts: z.array(ledgerAccountSchema),
  })
  .openapi('Ledger');

export const ledgerQuery = z
  .object({
    intentId: uuid()
      .optional()
      .openapi({ param: { name: 'intentId', in: 'query' }, description: "Only this intent's journal entries: what it moved." }),
  })
  .strict();

export type PaymentIntentDto = z.infer<typeof paymentIntentSchema>;
export type LedgerDto = z.infer<typeof ledgerSchema>;
