import { describe, expect, it } from 'vitest';
import { decideComplete, decideConfirm, decideReject, decideStockReserved } from '../domain/order-decisions.ts';
import { evolveOrder, initialOrder, type OrderEvent, type OrderState } from '../domain/order.ts';

const orderId = '0192f1c2-7b4e-7c1a-9d3e-2a6f0b8c4d51';
const at = new Date('2026-01-01T00:00:00Z');
const line = { productId: orderId, sku: 'T-1', name: 'Teapot', quantity: 2, unitPrice: { amount: 500, currency: 'EUR' } };
const placed: OrderEvent = {
  type: 'placed',
  at,
  payload: { orderId, customerId: 'c', cartId: orderId, lines: [line], total: { amount: 1000, currency: 'EUR' } },
};
const fold = (...events: OrderEvent[]): OrderState => events.reduce(evolveOrder, initialOrder());
const reason = { code: 'inventory/insufficient-stock', message: 'short' };

describe('order decisions', () => {
  it('confirm a pending order once: asked again, it decides nothing', () => {
    expect(decideConfirm(fold(placed), orderId)).toEqual([{ type: 'confirmed', payload: { orderId } }]);
    expect(decideConfirm(fold(placed, { type: 'confirmed', at, payload: { orderId } }), orderId)).toEqual([]);
  });

  it('a rejected order is never confirmed, and a confirmed one never rejected (ordering/order-state-conflict)', () => {
    const rejected = fold(placed, { type: 'rejected', at, payload: { orderId, reason } });
    expect(() => decideConfirm(rejected, orderId)).toThrow(expect.objectContaining({ code: 'ordering/order-state-conflict' }));
    expect(decideReject(rejected, orderId, reason)).toEqual([]);
    const confirmed = fold(placed, { type: 'confirmed', at, payload: { orderId } });
    expect(() => decideReject(confirmed, orderId, reason)).toThrow(expect.objectContaining({ code: 'ordering/order-state-conflict' }));
  });

  it('complete only a confirmed order; an order with no stream is not found', () => {
    expect(() => decideComplete(fold(placed), orderId)).toThrow(expect.objectContaining({ code: 'ordering/order-state-conflict' }));
    expect(decideComplete(fold(placed, { type: 'confirmed', at, payload: { orderId } }), orderId)).toEqual([{ type: 'completed', payload: { orderId } }]);
    expect(() => decideConfirm(initialOrder(), orderId)).toThrow(expect.objectContaining({ code: 'ordering/order-not-found' }));
  });

  it('progress facts are recorded once, and not on an order that was rejected meanwhile', () => {
    expect(decideStockReserved(fold(placed), orderId, ['r'])).toHaveLength(1);
    expect(decideStockReserved(fold(placed, { type: 'stockReserved', at, payload: { orderId, reservationIds: ['r'] } }), orderId, ['r'])).toEqual([]);
    expect(decideStockReserved(fold(placed, { type: 'rejected', at, payload: { orderId, reason } }), orderId, ['r'])).toEqual([]);
  });

  it('the status history lists each status with its time', () => {
    const later = new Date('2026-01-01T00:00:05Z');
    const state = fold(placed, { type: 'confirmed', at: later, payload: { orderId } });
    expect(state.history).toEqual([
      { status: 'pending', at },
      { status: 'confirmed', at: later },
    ]);
  });
});
