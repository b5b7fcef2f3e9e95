import { fileURLToPath } from 'node:url';
import { subscribe } from '../../platform/events/index.ts';
import { defineModule, type ModuleContext } from '../../platform/host/index.ts';
import { catalogContract, productArchived, productCreatedV2, productUpdated } from '../catalog/index.ts';
import type { InventoryDeps } from './application/inventory-deps.ts';
import { followProductChange, startTrackingProduct, stopTrackingProduct } from './application/track-products.ts';
import { inventoryContract } from './contract/contract.ts';
import { seedInventory } from './infrastructure/seed.ts';
import { stockRoutes } from './infrastructure/stock.handlers.ts';

const deps = (ctx: ModuleContext): InventoryDeps => ({
  db: ctx.db,
  transaction: ctx.transaction,
  audit: ctx.audit,
  catalog: ctx.client(catalogContract),
});

export const inventoryModule = defineModule({
  name: 'inventory',
  version: '1.0.0',
  owner: 'team-fulfilment',
  costCentre: 'cc-1200-fulfilment',
  // Stock reads and reservations sit on the checkout path.
  slos: {
    read: { availability: 0.999, latency: { thresholdSeconds: 0.1, objective: 0.99 } },
    write: { availability: 0.999, latency: { thresholdSeconds: 0.5, objective: 0.99 } },
  },
  description: 'Stock per product: receipts, availability, reservations.',
  contract: inventoryContract,
  migrations: fileURLToPath(new URL('../../migrations/inventory', import.meta.url)),
  data: {
    stock_items: { classification: 'internal', retention: { indefinite: 'while the product is tracked' } },
    // A reservation released or committed a year ago goes (a release tombstone too: a year on, no late reservation
    // with its id arrives); an active one stays, its stock still held.
    reservations: { classification: 'internal', retention: '1y', agedBy: 'created_at', onlyWhen: { status: ['released', 'committed'] } },
    receipts: { classification: 'internal', retention: '10y', agedBy: 'received_at' },
  },

  uses: [catalogContract],
  routes: (ctx) => stockRoutes(deps(ctx)),
  subscriptions: [
    // On v2 since catalog moved there; the handler name (and so the consumer id and its inbox) stayed the same, so an
    // event delivered in both versions during the move is handled once.
    subscribe(productCreatedV2, 'create-stock-item', async (payload, { tx, log }) => {
      if (await startTrackingProduct(tx, payload)) log.info({ productId: payload.productId }, 'stock item created');
    }),
    subscribe(productUpdated, 'follow-product-change', (payload, { tx }) => followProductChange(tx, payload)),
    subscribe(productArchived, 'deactivate-stock-item', (payload, { tx }) => stopTrackingProduct(tx, payload)),
  ],
  seed: (ctx) => seedInventory(deps(ctx)),
});
