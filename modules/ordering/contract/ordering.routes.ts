import { contractRoute, jsonContent } from '../../../platform/http/index.ts';
import {
  cartIdParams,
  cartLineParams,
  cartSchema,
  checkoutAcceptedSchema,
  listOrdersQuery,
  orderIdParams,
  orderPageSchema,
  orderSchema,
  setCartLineSchema,
} from './ordering.schemas.ts';

// A customer's own carts and orders: a token issued to a signed-in user (a machine client has no cart: 403).
const read = { scopes: ['ordering:read'] } as const;
const write = { scopes: ['ordering:write'] } as const;
const customerOnly = 'ordering/customer-token-required';
const location = { Location: { schema: { type: 'string' as const }, description: 'The order to follow.' } };

export const createCart = contractRoute({
  method: 'post',
  path: '/ordering/v1/carts',
  access: write,
  tags: ['ordering'],
  summary: 'Open an empty cart',
  errors: { 403: [customerOnly, 'ordering/customer-erased'] },
  responses: { 201: { description: 'The new cart', content: jsonContent(cartSchema) } },
});

export const getCart = contractRoute({
  method: 'get',
  path: '/ordering/v1/carts/{cartId}',
  access: read,
  tags: ['ordering'],
  summary: 'Read one of your carts',
  request: { params: cartIdParams },
  errors: { 403: [customerOnly], 404: ['ordering/cart-not-found'] },
  responses: { 200: { description: 'The cart', content: jsonContent(cartSchema) } },
});

export const setCartLine = contractRoute({
  method: 'put',
  path: '/ordering/v1/carts/{cartId}/lines/{productId}',
  access: write,
  tags: ['ordering'],
  summary: "Put a product in the cart at a quantity (the catalog's name, SKU and price now)",
  request: { params: cartLineParams, body: { content: jsonContent(setCartLineSchema), required: true } },
  errors: {
    403: [customerOnly],
    404: ['ordering/cart-not-found'],
    409: ['ordering/product-unavailable', 'ordering/cart-checked-out', 'ordering/currency-mismatch', 'ordering/cart-full'],
  },
  responses: { 200: { description: 'The cart', content: jsonContent(cartSchema) } },
});

export const removeCartLine = contractRoute({
  method: 'delete',
  path: '/ordering/v1/carts/{cartId}/lines/{productId}',
  access: write,
  tags: ['ordering'],
  summary: 'Take a product out of the cart (idempotent)',
  request: { params: cartLineParams },
  errors: { 403: [customerOnly], 404: ['ordering/cart-not-found'], 409: ['ordering/cart-checked-out'] },
  responses: { 200: { description: 'The cart', content: jsonContent(cartSchema) } },
});

export const checkOutCart = contractRoute({
  method: 'post',
  path: '/ordering/v1/carts/{cartId}/checkout',
  access: write,
  tags: ['ordering'],
  summary: 'Place the order of a cart; the checkout runs in the background (again: the same order)',
  description:
    "Answers 202 with the order's URL at once: stock is reserved, the payment authorized, the order confirmed and the payment captured after it. Follow the order's `status` until it is `completed` or `rejected` (with a `reason`).",
  request: { params: cartIdParams },
  errors: { 403: [customerOnly], 404: ['ordering/cart-not-found'], 409: ['ordering/cart-empty'] },
  responses: { 202: { description: 'The order was placed; its checkout runs', headers: location, content: jsonContent(checkoutAcceptedSchema) } },
});

export const listOrders = contractRoute({
  method: 'get',
  path: '/ordering/v1/orders',
  access: read,
  tags: ['ordering'],
  summary: 'Your orders, newest first, a page at a time (from the order list read model)',
  request: { query: listOrdersQuery },
  errors: { 403: [customerOnly], 422: ['ordering/invalid-cursor'] },
  responses: { 200: { description: 'A page of orders', content: jsonContent(orderPageSchema) } },
});

export const getOrder = contractRoute({
  method: 'get',
  path: '/ordering/v1/orders/{orderId}',
  access: read,
  tags: ['ordering'],
  summary: 'One of your orders: lines, total, status, its history, and why it was rejected',
  request: { params: orderIdParams },
  errors: { 403: [customerOnly], 404: ['ordering/order-not-found'] },
  responses: { 200: { description: 'The order', content: jsonContent(orderSchema) } },
});
