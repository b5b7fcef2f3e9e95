import { contractRoute, jsonContent } from '../../../platform/http/index.ts';
import { productIdParams, receiveStockSchema, reservationIdParams, reservationSchema, reserveStockSchema, stockSchema } from './stock.schemas.ts';

export const getStock = contractRoute({
  method: 'get',
  path: '/inventory/v1/stock/{productId}',
  access: { scopes: ['inventory:read'] },
  tags: ['inventory'],
  summary: 'Read the stock and availability of a product',
  request: { params: productIdParams },
  errors: { 404: ['inventory/stock-item-not-found'] },
  responses: { 200: { description: 'Stock of the product', content: jsonContent(stockSchema) } },
});

export const receiveStock = contractRoute({
  method: 'post',
  path: '/inventory/v1/stock/{productId}/receipts',
  access: { scopes: ['inventory:write'] },
  tags: ['inventory'],
  summary: 'Receive stock of a catalog product',
  request: { params: productIdParams, body: { content: jsonContent(receiveStockSchema), required: true } },
  errors: {
    404: ['inventory/stock-item-not-found', 'catalog/product-not-found'],
    409: ['inventory/product-archived'],
  },
  responses: { 200: { description: 'Stock after the receipt', content: jsonContent(stockSchema) } },
});

export const reserveStock = contractRoute({
  method: 'put',
  path: '/inventory/v1/reservations/{reservationId}',
  access: { scopes: ['inventory:write'] },
  tags: ['inventory'],
  summary: 'Reserve stock (idempotent by reservation id)',
  request: { params: reservationIdParams, body: { content: jsonContent(reserveStockSchema), required: true } },
  errors: {
    404: ['inventory/stock-item-not-found'],
    409: ['inventory/insufficient-stock', 'inventory/reservation-conflict', 'inventory/product-archived'],
  },
  responses: {
    201: { description: 'Reserved', content: jsonContent(reservationSchema) },
    200: { description: 'This reservation already existed; nothing changed', content: jsonContent(reservationSchema) },
  },
});

export const getReservation = contractRoute({
  method: 'get',
  path: '/inventory/v1/reservations/{reservationId}',
  access: { scopes: ['inventory:read'] },
  tags: ['inventory'],
  summary: 'Read a reservation',
  request: { params: reservationIdParams },
  errors: { 404: ['inventory/reservation-not-found'] },
  responses: { 200: { description: 'The reservation', content: jsonContent(reservationSchema) } },
});

export const releaseReservation = contractRoute({
  method: 'post',
  path: '/inventory/v1/reservations/{reservationId}/release',
  access: { scopes: ['inventory:write'] },
  tags: ['inventory'],
  summary: 'Release a reservation, returning its quantity to available stock (idempotent)',
  request: { params: reservationIdParams },
  errors: { 404: ['inventory/reservation-not-found'] },
  responses: { 200: { description: 'The released reservation', content: jsonContent(reservationSchema) } },
});
