import { z } from '@hono/zod-openapi';
import { contractRoute, jsonContent } from '../../../platform/http/index.ts';
import { createProductSchema, listProductsQuery, productIdParams, productPageSchema, productSchema, updateProductSchema } from './products.schemas.ts';

const etagHeader = { ETag: { schema: { type: 'string' as const }, description: 'Current version; send it back as If-Match to update.' } };

export const createProduct = contractRoute({
  method: 'post',
  path: '/catalog/v1/products',
  access: { scopes: ['catalog:write'] },
  tags: ['catalog'],
  summary: 'Create a product',
  request: { body: { content: jsonContent(createProductSchema), required: true } },
  errors: { 409: ['catalog/sku-taken'], 422: ['catalog/invalid-price'] },
  responses: { 201: { description: 'Created', headers: etagHeader, content: jsonContent(productSchema) } },
});

export const listProducts = contractRoute({
  method: 'get',
  path: '/catalog/v1/products',
  access: 'public',
  tags: ['catalog'],
  summary: 'List products, newest last, a page at a time',
  request: { query: listProductsQuery },
  errors: { 422: ['catalog/invalid-cursor'] },
  responses: { 200: { description: 'A page of products', content: jsonContent(productPageSchema) } },
});

export const getProduct = contractRoute({
  method: 'get',
  path: '/catalog/v1/products/{id}',
  access: 'public',
  tags: ['catalog'],
  summary: 'Get a product',
  request: { params: productIdParams },
  errors: { 404: ['catalog/product-not-found'] },
  responses: {
    200: { description: 'The product', headers: etagHeader, content: jsonContent(productSchema) },
    304: {
      description:
        'Not modified: the request\'s If-None-Match (RFC 9110 §13.1.2: ETags already held, or *) names the current version; no body. Compared weakly: W/"v3" matches "v3".',
      headers: etagHeader,
    },
  },
});

/** `If-Match` (RFC 9110 §13.1.1): the ETag last read, a list of them, or `*`. */
const ifMatchHeader = z
  .string()
  .regex(
    /^(?:\*|(?:W\/)?"[!#-~\x80-\xff]*"(?:[ \t]*,[ \t]*(?:W\/)?"[!#-~\x80-\xff]*")*)$/,
    'must be the ETag last read, such as "v3", a list of ETags, or * to skip the check',
  )
  .openapi({
    description:
      'The ETag last read, e.g. "v3", or a list of them (RFC 9110 §13.1.1); `*` changes whatever version is current. Compared strongly: a weak ETag (`W/"v3"`) matches no version (412).',
  });

export const updateProduct = contractRoute({
  method: 'patch',
  path: '/catalog/v1/products/{id}',
  access: { scopes: ['catalog:write'] },
  tags: ['catalog'],
  summary: 'Change a product, guarded by If-Match',
  request: {
    params: productIdParams,
    headers: z.object({ 'if-match': ifMatchHeader }),
    body: { content: jsonContent(updateProductSchema), required: true },
  },
  errors: {
    404: ['catalog/product-not-found'],
    409: ['catalog/sku-taken', 'catalog/product-archived'],
    412: ['catalog/version-mismatch'],
    422: ['catalog/invalid-price'],
  },
  responses: { 200: { description: 'The changed product', headers: etagHeader, content: jsonContent(productSchema) } },
});

export const archiveProduct = contractRoute({
  method: 'post',
  path: '/catalog/v1/products/{id}/archive',
  access: { scopes: ['catalog:write'] },
  tags: ['catalog'],
  summary: 'Archive a product (idempotent), guarded by If-Match when it is sent',
  description:
    'With `If-Match`, a product no longer at one of the ETags named is not archived (412): it changed since the caller read it. A product already archived answers 200 whatever `If-Match` says, since the change asked for is already made (RFC 9110 §13.1.1). Without `If-Match` the product is archived at any version.',
  request: { params: productIdParams, headers: z.object({ 'if-match': ifMatchHeader.optional() }) },
  errors: { 404: ['catalog/product-not-found'], 412: ['catalog/version-mismatch'] },
  responses: { 200: { description: 'The archived product', headers: etagHeader, content: jsonContent(productSchema) } },
});
