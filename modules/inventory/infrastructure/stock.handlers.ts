import { createRouter, type App } from '../../../platform/http/index.ts';
import { commitReservation } from '../application/commit-reservation.ts';
import { getStock } from '../application/get-stock.ts';
import type { InventoryDeps } from '../application/inventory-deps.ts';
import { receiveStock } from '../application/receive-stock.ts';
import { getReservation, releaseReservation } from '../application/release-reservation.ts';
import { reserveStock } from '../application/reserve-stock.ts';
import * as routes from '../contract/stock.routes.ts';
import type { ReservationDto, StockDto } from '../contract/stock.schemas.ts';
import { available, type Reservation, type StockItem } from '../domain/stock.ts';

function stockDto(item: StockItem): StockDto {
  return {
    productId: item.productId,
    sku: item.sku,
    onHand: item.onHand,
    reserved: item.reserved,
    available: available(item),
    active: item.active,
    updatedAt: item.updatedAt.toISOString(),
  };
}

function reservationDto(r: Reservation): ReservationDto {
  return {
    id: r.id,
    productId: r.productId,
    quantity: r.quantity,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    releasedAt: r.releasedAt?.toISOString() ?? null,
  };
}

/** Inventory's HTTP surface: each handler reads its validated input, calls one use case and maps the result. */
export function stockRoutes(deps: InventoryDeps): App {
  const app = createRouter();

  app.openapi(routes.getStock, async (c) => c.json(stockDto(await getStock(deps, c.req.valid('param').productId)), 200));

  app.openapi(routes.receiveStock, async (c) => {
    const item = await receiveStock(deps, c.req.valid('param').productId, c.req.valid('json').quantity);
    return c.json(stockDto(item), 200);
  });

  app.openapi(routes.reserveStock, async (c) => {
    const { reservationId } = c.req.valid('param');
    const { productId, quantity } = c.req.valid('json');
    const { reservation, created } = await reserveStock(deps, { reservationId, productId, quantity });
    return created ? c.json(reservationDto(reservation), 201) : c.json(reservationDto(reservation), 200);
  });

  app.openapi(routes.getReservation, async (c) => c.json(reservationDto(await getReservation(deps, c.req.valid('param').reservationId)), 200));

  app.openapi(routes.releaseReservation, async (c) => c.json(reservationDto(await releaseReservation(deps, c.req.valid('param').reservationId)), 200));

  app.openapi(routes.commitReservation, async (c) => c.json(reservationDto(await commitReservation(deps, c.req.valid('param').reservationId)), 200));

  return app;
}
