import { fileURLToPath } from 'node:url';
import type { TableData } from '../../platform/compliance/index.ts';
import { subscribe } from '../../platform/events/index.ts';
import { defineModule, type ModuleContext } from '../../platform/host/index.ts';
import { erasureConfirmation, identityContract, userErased } from '../identity/index.ts';
import { eraseCustomer } from './application/erase-customer.ts';
import type { PaymentsDeps } from './application/payments-deps.ts';
import { paymentsContract } from './contract/contract.ts';
import { paymentsRoutes } from './infrastructure/payments.handlers.ts';
import { createSimulatedProvider } from './infrastructure/provider/simulated-provider.ts';

/** The provider is the simulator (the only adapter so far), keeping its records in payments' database. */
const deps = (ctx: ModuleContext): PaymentsDeps => ({
  db: ctx.db,
  transaction: ctx.transaction,
  outbox: ctx.outbox,
  provider: createSimulatedProvider({ db: ctx.db, settings: ctx.config.payments.provider }),
  providerTimeoutMs: ctx.config.payments.provider.timeoutMs,
});

/** Payments' tables and what they hold (see docs/operations/data-classification.md). */
const data: Record<string, TableData> = {
  payment_intents: {
    classification: 'personal',
    subject: 'customer_id',
    retention: '10y',
    // Past its retention an intent stays, without its customer, so the ledger's entries still balance against it.
    agedBy: 'created_at',
    onExpiry: { anonymise: { customer_id: 'anonymised' } },
    legalBasis: 'Contract and legal obligation to keep accounting records (GDPR Art. 6(1)(b), 6(1)(c)).',
    columns: { customer_id: { category: 'personal', protection: 'plain' } },
  },
  // A refund that ended goes after ten years (its intent keeps the amounts); a pending one stays until it ends.
  refunds: { classification: 'internal', retention: '10y', agedBy: 'created_at', onlyWhen: { status: ['succeeded', 'declined'] } },
  // The ledger is kept whole: account balances are sums over every posting, and its entries book intents that stay
  // (anonymised past ten years). It names no one. Closing old years into opening balances is not built.
  journal_entries: { classification: 'internal', retention: { indefinite: 'the ledger: balances are sums over every entry; names no one' } },
  postings: { classification: 'internal', retention: { indefinite: 'the legs of the ledger entries, kept with them' } },
  // The simulated provider's own records, kept as a provider would keep its own (ten years), then deleted.
  provider_operations: { classification: 'internal', retention: '10y', agedBy: 'created_at' },
  erased_customers: {
    classification: 'personal',
    // The id (a pseudonym) and what replaced it, as long as the intents it pseudonymises: an authorization retried
    // after the erasure is then still recognised as the same request.
    retention: '10y',
    agedBy: 'erased_at',
    legalBasis: 'Legal obligation (GDPR Art. 17, 5(2)): keeping erased customers erased in intents authorized after the erasure.',
    columns: { customer_id: { category: 'personal', protection: 'plain' } },
  },
  // A keyed payment request's stored answer names the customer (by id) for IDEMPOTENCY_KEY_TTL.
  idempotency_keys: {
    classification: 'personal',
    retention: '24h',
    legalBasis: 'Contract (GDPR Art. 6(1)(b)): answering a retried request as the first time.',
    columns: { response_body: { category: 'personal', protection: 'plain' } },
  },
};

export const paymentsModule = defineModule({
  name: 'payments',
  version: '1.0.0',
  owner: 'team-payments',
  costCentre: 'cc-1300-payments',
  // Authorize and capture sit on the checkout path; writes include a provider call (mean latency ~20 ms simulated).
  slos: {
    read: { availability: 0.999, latency: { thresholdSeconds: 0.1, objective: 0.99 } },
    write: { availability: 0.999, latency: { thresholdSeconds: 1, objective: 0.99 } },
  },
  description: 'Payment intents authorized, captured, voided and refunded at a provider (simulated), and the double-entry ledger of every money movement.',
  contract: paymentsContract,
  migrations: fileURLToPath(new URL('../../migrations/payments', import.meta.url)),
  // No card data is kept: intents hold a customer id, amounts and the provider's outcome.
  data,

  uses: [identityContract],
  subscriptions: [
    subscribe<typeof userErased, ModuleContext>(userErased, 'erase-customer', async ({ userId, erasureId }, { tx, context, log }) => {
      const erased = await eraseCustomer(tx, data, userId, erasureId);
      log.info({ erased }, 'customer erased');
      await context.sagas.start(tx, erasureConfirmation, { erasureId, erased }, { id: erasureId });
    }),
  ],
  sagas: [erasureConfirmation],
  routes: (ctx) => paymentsRoutes(deps(ctx)),
});
