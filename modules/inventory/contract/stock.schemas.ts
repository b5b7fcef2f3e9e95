import { z } from '@hono/zod-openapi';
import { uuid } from '../../../platform/http/index.ts';

const quantity = z.number().int().min(1).max(1_000_000);

export const stockSchema = z
  .object({
    productId: uuid(),
    sku: z.string(),
    onHand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int(),
    active: z.boolean(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Stock');

export const reservationSchema = z
  .object({
    id: uuid(),
    productId: uuid(),
    quantity: z.number().int(),
    status: z.enum(['active', 'released', 'committed']),
    createdAt: z.iso.datetime(),
    releasedAt: z.iso.datetime().nullable(),
  })
  .openapi('Reservation');

export const productIdParams = z.object({ productId: uuid().openapi({ param: { name: 'productId', in: 'path' } }) });
export const reservationIdParams = z.object({
  reservationId: uuid().openapi({
    param: { name: 'reservationId', in: 'path' },
    description: 'Chosen by the caller; repeating a reservation with the same id is safe.',
  }),
});

export const receiveStockSchema = z.object({ quantity }).strict().openapi('ReceiveStock');
export const reserveStockSchema = z.object({ productId: uuid(), quantity }).strict().openapi('ReserveStock');

export type StockDto = z.infer<typeof stockSchema>;
export type ReservationDto = z.infer<typeof reservationSchema>;
