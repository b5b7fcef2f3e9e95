import type { CartDto, OrderDto, OrderSummaryDto } from '../contract/ordering.schemas.ts';
import type { OrderView } from '../application/get-order.ts';
import { cartTotal, type Cart } from '../domain/cart.ts';
import type { Line } from '../domain/money.ts';
import type { OrderSummary } from './order-read-repository.ts';

const lineDto = (l: Line) => ({ ...l, lineTotal: { amount: l.unitPrice.amount * l.quantity, currency: l.unitPrice.currency } });

export function cartDto(cart: Cart): CartDto {
  return {
    id: cart.id,
    status: cart.status,
    lines: cart.lines.map(lineDto),
    total: cartTotal(cart),
    orderId: cart.orderId,
    createdAt: cart.createdAt.toISOString(),
    updatedAt: cart.updatedAt.toISOString(),
  };
}

export function orderSummaryDto(o: OrderSummary): OrderSummaryDto {
  return { id: o.id, status: o.status, total: o.total, lineCount: o.lineCount, placedAt: o.placedAt.toISOString(), updatedAt: o.updatedAt.toISOString() };
}

export function orderDto(o: OrderView): OrderDto {
  return {
    id: o.id,
    status: o.status,
    lines: o.lines.map(lineDto),
    total: o.total,
    reason: o.reason,
    history: o.history.map((h) => ({ status: h.status, at: h.at.toISOString() })),
    placedAt: o.placedAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
    paymentIntentId: o.paymentIntentId,
    version: o.version,
    source: o.source,
  };
}
