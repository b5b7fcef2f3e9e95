import { z } from '@hono/zod-openapi';
import { contractRoute, jsonContent } from '../../../platform/http/index.ts';
import { createProductSchema, listProductsQuery, productIdParams, productPageSchema, productSchema, updateProductSchema } from './products.schemas.ts';

const etagHeader = { ETag: { schema: { type: 'string' as const }, description: 'Current version; send it back as If-Match to update.' } };

export const createProduct = contractRoute({
  method: 'post',
  path: '/catalog/v1/products',
  tags: ['catalog'],
  summary: 'Create a product',
  request: { body: { content: jsonContent(createProductSchema), required: true } },
  problems: [409, 422],
  responses: { 201: { description: 'Created', headers: etagHeader, content: jsonContent(productSchema) } },
});

export const listProducts = contractRoute({
  method: 'get',
  path: '/catalog/v1/products',
  tags: ['catalog'],
  summary: 'List products, newest last, a page at a time',
  request: { query: listProductsQuery },
  responses: { 200: { description: 'A page of products', content: jsonContent(productPageSchema) } },
});

export const getProduct = contractRoute({
  method: 'get',
  path: '/catalog/v1/products/{id}',
  tags: ['catalog'],
  summary: 'Get a product',
  request: { params: productIdParams },
  problems: [404],
  responses: { 200: { description: 'The product', headers: etagHeader, content: jsonContent(productSchema) } },
});

export const updateProduct = contractRoute({
  method: 'patch',
  path: '/catalog/v1/products/{id}',
  tags: ['catalog'],
  summary: 'Change a product, guarded by If-Match',
  request: {
    params: productIdParams,
    headers: z.object({ 'if-match': z.string().min(1).openapi({ description: 'The ETag last read, e.g. "v3".' }) }),
    body: { content: jsonContent(updateProductSchema), required: true },
  },
  problems: [404, 409, 412, 422],
  responses: { 200: { description: 'The changed product', headers: etagHeader, content: jsonContent(productSchema) } },
});

export const archiveProduct = contractRoute({
  method: 'post',
  path: '/catalog/v1/products/{id}/archive',
  tags: ['catalog'],
  summary: 'Archive a product (idempotent)',
  request: { params: productIdParams },
  problems: [404],
  responses: { 200: { description: 'The archived product', headers: etagHeader, content: jsonContent(productSchema) } },
});
