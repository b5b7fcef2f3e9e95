import { z } from 'zod';
import { defineEvent } from '../../../platform/events/index.ts';

const money = z.object({ amount: z.number().int(), currency: z.string() });

/** v1, still served to its consumers: catalog converts every v2 event into it (same event id). */
export const productCreatedV1 = defineEvent({
  name: 'catalog.product-created',
  version: 1,
  schema: z.object({ productId: z.uuid(), sku: z.string(), name: z.string(), price: money }),
  key: (p) => p.productId,
});

/**
 * v2 is a breaking change: `price` became `listPrice` (the price before any discount a later module may apply), and
 * the description travels too. Consumers of v1 keep receiving v1, converted by catalog.
 */
export const productCreatedV2 = defineEvent({
  name: 'catalog.product-created',
  version: 2,
  schema: z.object({ productId: z.uuid(), sku: z.string(), name: z.string(), description: z.string(), listPrice: money }),
  key: (p) => p.productId,
  downcast: { to: productCreatedV1, convert: ({ productId, sku, name, listPrice }) => ({ productId, sku, name, price: listPrice }) },
});

/** The version catalog publishes now. */
export const productCreated = productCreatedV2;

/** A product's state after a change (SKU, name, description or price), with the version it reached. */
export const productUpdated = defineEvent({
  name: 'catalog.product-updated',
  version: 1,
  schema: z.object({ productId: z.uuid(), version: z.number().int().positive(), sku: z.string(), name: z.string(), description: z.string(), price: money }),
  key: (p) => p.productId,
});

export const productArchived = defineEvent({
  name: 'catalog.product-archived',
  version: 1,
  schema: z.object({ productId: z.uuid(), sku: z.string() }),
  key: (p) => p.productId,
});
