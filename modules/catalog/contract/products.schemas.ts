import { z } from '@hono/zod-openapi';

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

export const productSchema = z
  .object({
    id: z.uuid(),
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

const sku = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash and underscore only');
const name = z.string().trim().min(1).max(200);
const description = z.string().max(4000);

export const createProductSchema = z
  .object({ sku, name, description: description.default(''), price: moneySchema })
  .strict()
  .openapi('CreateProduct');

export const updateProductSchema = z
  .object({ sku: sku.optional(), name: name.optional(), description: description.optional(), price: moneySchema.optional() })
  .strict()
  .refine((v) => Object.values(v).some((x) => x !== undefined), 'name at least one field to change')
  .openapi('UpdateProduct');

export const productIdParams = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const cursor = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by a previous page')
  .openapi({ description: 'Opaque cursor from `nextCursor` of the previous page.' });

export const listProductsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: cursor.optional(),
  status: z.enum(['active', 'archived']).optional(),
  sku: z.string().max(64).optional(),
  q: z.string().trim().min(1).max(100).optional().openapi({ description: 'Case-insensitive substring of the name.' }),
});

export const productPageSchema = z.object({ items: z.array(productSchema), nextCursor: z.string().nullable() }).openapi('ProductPage');

export type ProductDto = z.infer<typeof productSchema>;
export type CreateProductInput = z.infer<typeof createProductSchema>;
export type UpdateProductInput = z.infer<typeof updateProductSchema>;
export type ListProductsQuery = z.infer<typeof listProductsQuery>;
