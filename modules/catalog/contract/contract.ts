import { defineContract } from '../../../platform/contracts/index.ts';
import { productArchived, productCreatedV1, productCreatedV2, productUpdated } from './events.ts';
import { archiveProduct, createProduct, getProduct, listProducts, updateProduct } from './products.routes.ts';

export const catalogContract = defineContract('catalog', {
  routes: { createProduct, listProducts, getProduct, updateProduct, archiveProduct },
  events: [productCreatedV1, productCreatedV2, productUpdated, productArchived],
});
