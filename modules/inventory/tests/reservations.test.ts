import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetKinds, type Target } from '../../../tests/support/targets.ts';
import { eventually } from '../../../tests/support/test-host.ts';

describe.each(targetKinds)('inventory contract, $name', (kind) => {
  let target: Target;

  beforeAll(async () => {
    target = await kind.start(['catalog', 'inventory']);
  });
  afterAll(() => target.stop());

  /** A catalog product whose stock item exists (through catalog.product-created), with `units` received. */
  async function stockedProduct(units: number): Promise<string> {
    const created = await target.call('POST', '/catalog/v1/products', {
      sku: `SKU-${randomUUID().slice(0, 8)}`,
      name: 'Widget',
      price: { amount: 500, currency: 'EUR' },
    });
    const { id } = (await created.json()) as { id: string };
    await eventually(async () => expect((await target.call('GET', `/inventory/v1/stock/${id}`)).status).toBe(200));
    if (units > 0) expect((await target.call('POST', `/inventory/v1/stock/${id}/receipts`, { quantity: units })).status).toBe(200);
    return id;
  }

  const stock = async (id: string) =>
    (await (await target.call('GET', `/inventory/v1/stock/${id}`)).json()) as { onHand: number; reserved: number; available: number };
  const reserve = (reservationId: string, productId: string, quantity: number) =>
    target.call('PUT', `/inventory/v1/reservations/${reservationId}`, { productId, quantity });

  it('catalog.product-created makes a stock item at zero', async () => {
    const id = await stockedProduct(0);
    expect(await stock(id)).toMatchObject({ onHand: 0, reserved: 0, available: 0 });
  });

  it('50 concurrent reservations against 10 units: exactly 10 succeed and stock ends at 0', async () => {
    const id = await stockedProduct(10);
    const responses = await Promise.all(Array.from({ length: 50 }, () => reserve(randomUUID(), id, 1)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    const refused = await responses.find((r) => r.status === 409)?.json();
    expect(refused).toMatchObject({ code: 'inventory/insufficient-stock', available: 0, requested: 1 });
    expect(await stock(id)).toEqual(expect.objectContaining({ onHand: 10, reserved: 10, available: 0 }));
  });

  it('a reservation is idempotent by its id, even when repeated concurrently', async () => {
    const id = await stockedProduct(5);
    const reservationId = randomUUID();
    const responses = await Promise.all(Array.from({ length: 5 }, () => reserve(reservationId, id, 2)));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(await stock(id)).toMatchObject({ reserved: 2, available: 3 });
  });

  it('the same reservation id for another quantity is a conflict', async () => {
    const id = await stockedProduct(5);
    const reservationId = randomUUID();
    expect((await reserve(reservationId, id, 1)).status).toBe(201);
    const clash = await reserve(reservationId, id, 2);
    expect(clash.status).toBe(409);
    expect(await clash.json()).toMatchObject({ code: 'inventory/reservation-conflict' });
  });

  it('release returns the quantity once, however often it is called', async () => {
    const id = await stockedProduct(3);
    const reservationId = randomUUID();
    await reserve(reservationId, id, 3);
    for (let i = 0; i < 3; i++) {
      const released = await target.call('POST', `/inventory/v1/reservations/${reservationId}/release`);
      expect(released.status).toBe(200);
      expect(await released.json()).toMatchObject({ status: 'released' });
    }
    expect(await stock(id)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
  });

  it('reserving stock of a product inventory does not know is a 404 problem', async () => {
    const response = await reserve(randomUUID(), randomUUID(), 1);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'inventory/stock-item-not-found' });
  });

  it('receiving stock asks catalog, and an unknown product comes back as catalog’s 404', async () => {
    const response = await target.call('POST', `/inventory/v1/stock/${randomUUID()}/receipts`, { quantity: 1 });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'catalog/product-not-found', module: 'catalog' });
  });

  it('an archived product’s stock can no longer be received or reserved', async () => {
    const id = await stockedProduct(2);
    expect((await target.call('POST', `/catalog/v1/products/${id}/archive`)).status).toBe(200);
    const receipt = await target.call('POST', `/inventory/v1/stock/${id}/receipts`, { quantity: 1 });
    expect(receipt.status).toBe(409);
    expect(await receipt.json()).toMatchObject({ code: 'inventory/product-archived' });
    await eventually(async () => {
      const response = await reserve(randomUUID(), id, 1);
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ code: 'inventory/product-archived' });
    });
  });

  it('a receipt repeated with the same Idempotency-Key adds the stock once and replays the answer', async () => {
    const id = await stockedProduct(0);
    const key = `"${randomUUID()}"`;
    const receipt = () => target.call('POST', `/inventory/v1/stock/${id}/receipts`, { quantity: 4 }, { 'idempotency-key': key });
    const first = await receipt();
    const again = await receipt();
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    expect(await stock(id)).toMatchObject({ onHand: 4, available: 4 });
    const other = await target.call('POST', `/inventory/v1/stock/${id}/receipts`, { quantity: 5 }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ code: 'http/idempotency-key-reused' });
    expect(await stock(id)).toMatchObject({ onHand: 4 });
  });

  it('a reservation of zero units fails validation', async () => {
    const response = await reserve(randomUUID(), randomUUID(), 0);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'http/validation-failed', errors: [{ location: 'body', path: 'quantity' }] });
  });
});
