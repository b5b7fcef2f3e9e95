import { z } from 'zod';
import { defineEvent } from '../../../platform/events/index.ts';

export const productCreated = defineEvent({
  name: 'catalog.product-created',
  version: 1,
  schema: z.object({
    productId: z.uuid(),
    sku: z.string(),
    name: z.string(),
    price: z.object({ amount: z.number().int(), currency: z.string() }),
  }),
  key: (p) => p.productId,
});

export const productArchived = defineEvent({
  name: 'catalog.product-archived',
  version: 1,
  schema: z.object({ productId: z.uuid(), sku: z.string() }),
  key: (p) => p.productId,
});
