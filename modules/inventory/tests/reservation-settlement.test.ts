import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetKinds, type Target } from '../../../tests/support/targets.ts';
import { stockedProduct } from './support.ts';

describe.each(targetKinds)('inventory reservations: commit and release tombstones, $name', (kind) => {
  let target: Target;

  beforeAll(async () => {
    target = await kind.start(['catalog', 'inventory']);
  });
  afterAll(() => target.stop());

  const stock = async (id: string) => (await (await target.call('GET', `/inventory/v1/stock/${id}`)).json()) as { onHand: number; reserved: number };
  const reserve = (reservationId: string, productId: string, quantity: number) =>
    target.call('PUT', `/inventory/v1/reservations/${reservationId}`, { productId, quantity });
  const release = (reservationId: string) => target.call('POST', `/inventory/v1/reservations/${reservationId}/release`);
  const commit = (reservationId: string) => target.call('POST', `/inventory/v1/reservations/${reservationId}/commit`);

  it('commit takes the reserved quantity off the books, once, however often it is called', async () => {
    const id = await stockedProduct(target.call, 5);
    const reservationId = randomUUID();
    expect((await reserve(reservationId, id, 2)).status).toBe(201);
    for (let i = 0; i < 3; i++) {
      const committed = await commit(reservationId);
      expect(committed.status).toBe(200);
      expect(await committed.json()).toMatchObject({ id: reservationId, status: 'committed', quantity: 2 });
    }
    expect(await stock(id)).toMatchObject({ onHand: 3, reserved: 0 });
    // Releasing a committed reservation changes nothing: the goods have left.
    expect(await (await release(reservationId)).json()).toMatchObject({ status: 'committed' });
    expect(await stock(id)).toMatchObject({ onHand: 3, reserved: 0 });
  });

  it('commit of a released reservation is inventory/reservation-released; of an unknown one a 404', async () => {
    const id = await stockedProduct(target.call, 2);
    const reservationId = randomUUID();
    await reserve(reservationId, id, 1);
    expect((await release(reservationId)).status).toBe(200);
    const refused = await commit(reservationId);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'inventory/reservation-released' });
    const unknown = await commit(randomUUID());
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'inventory/reservation-not-found' });
    expect(await stock(id)).toMatchObject({ onHand: 2, reserved: 0 });
  });

  it('releasing an unknown id answers 404 and refuses a reservation with that id arriving later', async () => {
    const id = await stockedProduct(target.call, 3);
    const reservationId = randomUUID();
    for (let i = 0; i < 2; i++) {
      const released = await release(reservationId);
      expect(released.status).toBe(404);
      expect(await released.json()).toMatchObject({ code: 'inventory/reservation-not-found' });
    }
    const late = await reserve(reservationId, id, 1);
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ code: 'inventory/reservation-released' });
    expect((await target.call('GET', `/inventory/v1/reservations/${reservationId}`)).status).toBe(404);
    expect(await stock(id)).toMatchObject({ onHand: 3, reserved: 0 });
  });
});
