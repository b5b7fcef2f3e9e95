import { z } from '@hono/zod-openapi';
import { queryInteger, uuid } from '../../../platform/http/index.ts';

const money = z
  .object({ amount: z.number().int().openapi({ description: 'Integer minor units (cents for EUR).', example: 1999 }), currency: z.string() })
  .openapi('OrderMoney');

export const lineSchema = z
  .object({ productId: uuid(), sku: z.string(), name: z.string(), quantity: z.number().int(), unitPrice: money, lineTotal: money })
  .openapi('OrderLine');

export const cartSchema = z
  .object({
    id: uuid(),
    status: z.enum(['open', 'checked-out']),
    lines: z.array(lineSchema),
    // A union, not `.nullable()`: that renders as allOf [OrderMoney, {type: [object, null]}], which null cannot pass.
    total: z.union([money, z.null()]).openapi({ description: 'Null while the cart is empty.' }),
    orderId: uuid().nullable().openapi({ description: 'The order placed from this cart, once checked out.' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Cart');

const orderStatus = z.enum(['pending', 'confirmed', 'completed', 'rejected']);

export const checkoutAcceptedSchema = z
  .object({ orderId: uuid(), status: orderStatus, href: z.string().openapi({ description: 'The order: follow its status there.' }) })
  .openapi('CheckoutAccepted');

export const orderSummarySchema = z
  .object({ id: uuid(), status: orderStatus, total: money, lineCount: z.number().int(), placedAt: z.iso.datetime(), updatedAt: z.iso.datetime() })
  .openapi('OrderSummary');

export const orderPageSchema = z.object({ items: z.array(orderSummarySchema), nextCursor: z.string().nullable() }).openapi('OrderPage');

export const orderSchema = z
  .object({
    id: uuid(),
    status: orderStatus,
    lines: z.array(lineSchema),
    total: money,
    reason: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .openapi({ description: 'Why the checkout was undone (a rejected order): a participant problem code such as payments/card-declined.' }),
    history: z.array(z.object({ status: orderStatus, at: z.iso.datetime() })).openapi({ description: 'Each status the order reached, oldest first.' }),
    placedAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    paymentIntentId: uuid()
      .nullable()
      .openapi({ description: "The order's payment intent at payments (null for an order that costs nothing): what it authorizes and captures." }),
    version: z.number().int().openapi({ description: "The order stream's version this view reflects." }),
    source: z
      .enum(['read-model', 'stream'])
      .openapi({ description: 'Whether this came from the read model, or from the stream because the model had not caught up yet.' }),
  })
  .openapi('Order');

export const cartIdParams = z.object({ cartId: uuid().openapi({ param: { name: 'cartId', in: 'path' } }) });
export const cartLineParams = cartIdParams.extend({ productId: uuid().openapi({ param: { name: 'productId', in: 'path' } }) });
export const orderIdParams = z.object({ orderId: uuid().openapi({ param: { name: 'orderId', in: 'path' } }) });

export const setCartLineSchema = z
  .object({ quantity: z.number().int().min(1).max(100) })
  .strict()
  .openapi('SetCartLine');

const cursor = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by a previous page')
  .openapi({ description: 'Opaque cursor from `nextCursor` of the previous page.' });

export const listOrdersQuery = z.object({ limit: queryInteger({ min: 1, max: 100, default: 20 }), cursor: cursor.optional() });

export type CartDto = z.infer<typeof cartSchema>;
export type OrderDto = z.infer<typeof orderSchema>;
export type OrderSummaryDto = z.infer<typeof orderSummarySchema>;
