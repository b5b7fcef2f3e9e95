import { z } from '@hono/zod-openapi';
import { currencyCode, moneyAmount, queryInteger, text, uuid } from '../../../platform/http/index.ts';

export const moneySchema = z
  .object({
    amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({ description: 'Integer minor units (cents for EUR).', example: 1999 }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR')
      .openapi({ example: 'EUR' }),
  })
  .strict()
  .openapi('Money');

/**
 * A price as a request sets it: a currency in use (`Money` in answers also reads codes retired since a row was
 * stored) and at most what one payment may be, so ordering can sell it.
 */
export const moneyInputSchema = z.object({ amount: moneyAmount(), currency: currencyCode() }).strict().openapi('MoneyInput');

export const productSchema = z
  .object({
    id: uuid(),
    sku: z.string(),
    name: z.string(),
    description: z.string(),
    price: moneySchema,
    status: z.enum(['active', 'archived']),
    version: z.number().int().positive(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Product');

// ASCII only (the pattern), so zod's UTF-16 length is the character count JSON Schema means.
const sku = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must start with a letter or digit and hold only letters, digits, dot, dash and underscore');
const name = text({ min: 1, max: 200 });
const description = text({ max: 4000, trimmed: false });

export const createProductSchema = z
  .object({ sku, name, description: description.default(''), price: moneyInputSchema })
  .strict()
  .openapi('CreateProduct');

export const updateProductSchema = z
  .object({ sku: sku.optional(), name: name.optional(), description: description.optional(), price: moneyInputSchema.optional() })
  .strict()
  .refine((v) => Object.values(v).some((x) => x !== undefined), 'must name at least one field to change: sku, name, description or price')
  .openapi('UpdateProduct', { minProperties: 1 });

export const productIdParams = z.object({ id: uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const cursor = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by a previous page')
  .openapi({ description: 'Opaque cursor from `nextCursor` of the previous page.' });

export const listProductsQuery = z.object({
  limit: queryInteger({ min: 1, max: 100, default: 20 }),
  cursor: cursor.optional(),
  status: z.enum(['active', 'archived']).optional(),
  sku: text({ min: 1, max: 64 }).optional().openapi({ description: 'Only the product with exactly this SKU.' }),
  q: text({ min: 1, max: 100 }).optional().openapi({ description: 'Case-insensitive substring of the name.' }),
});

export const productPageSchema = z.object({ items: z.array(productSchema), nextCursor: z.string().nullable() }).openapi('ProductPage');

export type ProductDto = z.infer<typeof productSchema>;
export type CreateProductInput = z.infer<typeof createProductSchema>;
export type UpdateProductInput = z.infer<typeof updateProductSchema>;
export type ListProductsQuery = z.infer<typeof listProductsQuery>;
