import { fileURLToPath } from 'node:url';
import type { TableData } from '../../platform/compliance/index.ts';
import { subscribe } from '../../platform/events/index.ts';
import { defineModule, type ModuleContext } from '../../platform/host/index.ts';
import { catalogContract } from '../catalog/index.ts';
import { erasureConfirmation, identityContract, userErased } from '../identity/index.ts';
import { inventoryContract } from '../inventory/index.ts';
import { paymentsContract } from '../payments/index.ts';
import { eraseCustomer } from './application/erase-customer.ts';
import { checkoutSaga } from './application/checkout-saga.ts';
import type { OrderingDeps } from './application/ordering-deps.ts';
import { orderingContract } from './contract/contract.ts';
import { order } from './infrastructure/order-aggregate.ts';
import { orderDetail, orderList } from './infrastructure/order-projections.ts';
import { orderingRoutes } from './infrastructure/ordering.handlers.ts';

/** Ordering's tables and what they hold (see docs/operations/data-classification.md). */
const data: Record<string, TableData> = {
  carts: {
    classification: 'personal',
    subject: 'customer_id',
    retention: '1y',
    // A cart untouched for a year goes with its lines: abandoned, or checked out long ago (the order keeps its own
    // lines in its stream).
    agedBy: 'updated_at',
    legalBasis: 'Contract (GDPR Art. 6(1)(b)): the basket the customer is filling.',
    columns: { customer_id: { category: 'personal', protection: 'plain' } },
  },
  cart_lines: { classification: 'internal', retention: '1y', belongsTo: { table: 'carts', column: 'cart_id', references: 'id' } },
  es_events: {
    classification: 'personal',
    // An order's stream goes whole ten years after its last event; its read-model rows age by the same time.
    retention: '10y',
    agedBy: 'at',
    legalBasis: 'Contract and legal obligation to keep commercial records (GDPR Art. 6(1)(b), 6(1)(c)).',
    columns: { payload: { category: 'personal', protection: 'plain' } },
  },
  erased_customers: {
    classification: 'personal',
    // The id (a pseudonym) and what replaced it: kept a year longer than the order streams that name the id (an
    // order's last events can come after the erasure), so no rebuild in between brings the id back.
    retention: '11y',
    agedBy: 'erased_at',
    legalBasis: 'Legal obligation (GDPR Art. 17, 5(2)): keeping erased customers erased in read models rebuilt from the order streams.',
    columns: { customer_id: { category: 'personal', protection: 'plain' } },
  },
  // Checkouts that ended go a year later (support looks up why an order was rejected); running ones stay.
  sagas: { classification: 'internal', retention: '1y', agedBy: 'ended_at', onlyWhen: { state: ['completed', 'compensated'] } },
  saga_history: { classification: 'internal', retention: '1y', belongsTo: { table: 'sagas', column: 'saga_id', references: 'id' } },
};

/** Everything ordering keeps about customers: its tables and its read models. */
const customerData: Record<string, TableData> = { ...data, ...orderList.data, ...orderDetail.data };

const deps = (ctx: ModuleContext): OrderingDeps => ({
  db: ctx.db,
  transaction: ctx.transaction,
  outbox: ctx.outbox,
  sagas: ctx.sagas,
  catalog: ctx.client(catalogContract),
});

export const orderingModule = defineModule({
  name: 'ordering',
  version: '1.0.0',
  owner: 'team-checkout',
  costCentre: 'cc-1300-checkout',
  // Cart edits and order pages are interactive; checkout answers 202 at once and runs in the background.
  slos: {
    read: { availability: 0.999, latency: { thresholdSeconds: 0.25, objective: 0.99 } },
    write: { availability: 0.999, latency: { thresholdSeconds: 0.5, objective: 0.99 } },
  },
  description: 'Carts, event-sourced orders with their read models, and the checkout saga across inventory and payments.',
  contract: orderingContract,
  migrations: fileURLToPath(new URL('../../migrations/ordering', import.meta.url)),
  // Customers are referred to by their user id only (a pseudonym, still personal data): no name, address or e-mail
  // is kept here. Orders are commercial records, kept ten years; open carts are not.
  data,
  uses: [catalogContract, inventoryContract, paymentsContract, identityContract],
  aggregates: [order],
  projections: [orderList, orderDetail],
  sagas: [checkoutSaga, erasureConfirmation],
  subscriptions: [
    subscribe<typeof userErased, ModuleContext>(userErased, 'erase-customer', async ({ userId, erasureId }, { tx, context, log }) => {
      const erased = await eraseCustomer(tx, customerData, userId, erasureId);
      log.info({ erased }, 'customer erased');
      await context.sagas.start(tx, erasureConfirmation, { erasureId, erased }, { id: erasureId });
    }),
  ],
  routes: (ctx) => orderingRoutes(deps(ctx)),
});
