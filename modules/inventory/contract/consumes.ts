import { consumedEvent, defineConsumerContract } from '../../../platform/contracts/index.ts';
import { catalogContract, productArchived, productCreatedV2, productUpdated } from '../../catalog/index.ts';

/**
 * What inventory uses of catalog. Receiving stock reads a product's status and SKU; the demo seed pages through
 * active products; the event handlers keep a stock item per product. Recorded in contracts/consumers/ and verified
 * against catalog's contract; a recording test fails when the code reads or sends anything not declared here.
 */
export const inventoryConsumesCatalog = defineConsumerContract({
  consumer: 'inventory',
  provider: catalogContract,
  operations: {
    getProduct: { sends: ['params.id'], reads: ['sku', 'status'] },
    listProducts: { sends: ['query.limit', 'query.status'], reads: ['items[].id'] },
  },
  events: [
    consumedEvent(productCreatedV2, ['productId', 'sku']),
    consumedEvent(productUpdated, ['productId', 'sku']),
    consumedEvent(productArchived, ['productId']),
  ],
});

/** Every consumer contract of inventory, one per provider. */
export const inventoryConsumes = [inventoryConsumesCatalog] as const;
