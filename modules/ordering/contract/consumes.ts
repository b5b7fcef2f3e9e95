import { consumedEvent, defineConsumerContract } from '../../../platform/contracts/index.ts';
import { catalogContract } from '../../catalog/index.ts';
import { identityContract, userErased } from '../../identity/index.ts';
import { inventoryContract } from '../../inventory/index.ts';
import { paymentsContract } from '../../payments/index.ts';

/** A cart line takes the product's name, SKU and price from catalog, and refuses archived products. */
export const orderingConsumesCatalog = defineConsumerContract({
  consumer: 'ordering',
  provider: catalogContract,
  operations: { getProduct: { sends: ['params.id'], reads: ['id', 'sku', 'name', 'status', 'price.amount', 'price.currency'] } },
});

/** The checkout saga reserves each line's stock, releases it when the checkout turns back, and commits it after. */
export const orderingConsumesInventory = defineConsumerContract({
  consumer: 'ordering',
  provider: inventoryContract,
  operations: {
    reserveStock: { sends: ['params.reservationId', 'body.productId', 'body.quantity'], reads: [] },
    releaseReservation: { sends: ['params.reservationId'], reads: [] },
    commitReservation: { sends: ['params.reservationId'], reads: [] },
  },
});

/** The checkout saga authorizes the order's payment, voids it when the checkout turns back, and captures it after. */
export const orderingConsumesPayments = defineConsumerContract({
  consumer: 'ordering',
  provider: paymentsContract,
  operations: {
    authorizePayment: { sends: ['params.intentId', 'body.reference', 'body.customerId', 'body.amount', 'body.currency'], reads: ['status'] },
    voidPayment: { sends: ['params.intentId'], reads: [] },
    capturePayment: { sends: ['params.intentId'], reads: ['status'] },
  },
});

/** Erasures: the customer's carts go, their orders stay under the erasure's pseudonym; ordering confirms its part. */
export const orderingConsumesIdentity = defineConsumerContract({
  consumer: 'ordering',
  provider: identityContract,
  operations: {
    confirmErasure: { sends: ['params.erasureId', 'params.module', 'body.erased[].table', 'body.erased[].rows'], reads: ['confirmedAt'] },
  },
  events: [consumedEvent(userErased, ['userId', 'erasureId'])],
});

/** Every consumer contract of ordering, one per provider. */
export const orderingConsumes = [orderingConsumesCatalog, orderingConsumesInventory, orderingConsumesPayments, orderingConsumesIdentity] as const;
