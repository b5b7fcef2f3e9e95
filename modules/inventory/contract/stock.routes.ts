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
    409: ['inventory/product-archived', 'inventory/stock-limit-exceeded'],
  },
  responses: { 200: { description: 'Stock after the receipt', content: jsonContent(stockSchema) } },
});

// Ordering's checkout saga reserves, commits and releases stock as itself (module identity).
const reservationWrite = { scopes: ['inventory:write'], modules: ['ordering'] } as const;
const reservationRead = { scopes: ['inventory:read'], modules: ['ordering'] } as const;

export const reserveStock = contractRoute({
  method: 'put',
  path: '/inventory/v1/reservations/{reservationId}',
  access: reservationWrite,
  tags: ['inventory'],
  summary: 'Reserve stock (idempotent by reservation id)',
  request: { params: reservationIdParams, body: { content: jsonContent(reserveStockSchema), required: true } },
  errors: {
    404: ['inventory/stock-item-not-found'],
    409: ['inventory/insufficient-stock', 'inventory/reservation-conflict', 'inventory/product-archived', 'inventory/reservation-released'],
  },
  responses: {
    201: { description: 'Reserved', content: jsonContent(reservationSchema) },
    200: { description: 'This reservation already existed; nothing changed', content: jsonContent(reservationSchema) },
  },
});

export const getReservation = contractRoute({
  method: 'get',
  path: '/inventory/v1/reservations/{reservationId}',
  access: reservationRead,
  tags: ['inventory'],
  summary: 'Read a reservation',
  request: { params: reservationIdParams },
  errors: { 404: ['inventory/reservation-not-found'] },
  responses: { 200: { description: 'The reservation', content: jsonContent(reservationSchema) } },
});

export const releaseReservation = contractRoute({
  method: 'post',
  path: '/inventory/v1/reservations/{reservationId}/release',
  access: reservationWrite,
  tags: ['inventory'],
  summary: 'Release a reservation, returning its quantity to available stock (idempotent)',
  description:
    'Releasing an id inventory has never seen answers 404 and leaves a tombstone: a reservation with that id that arrives later (a request still in flight) is refused with inventory/reservation-released, so no stock stays held.',
  request: { params: reservationIdParams },
  errors: { 404: ['inventory/reservation-not-found'] },
  responses: { 200: { description: 'The released reservation', content: jsonContent(reservationSchema) } },
});

export const commitReservation = contractRoute({
  method: 'post',
  path: '/inventory/v1/reservations/{reservationId}/commit',
  access: reservationWrite,
  tags: ['inventory'],
  summary: 'Commit a reservation: its quantity leaves on-hand stock (idempotent)',
  request: { params: reservationIdParams },
  errors: { 404: ['inventory/reservation-not-found'], 409: ['inventory/reservation-released'] },
  responses: { 200: { description: 'The committed reservation', content: jsonContent(reservationSchema) } },
});
