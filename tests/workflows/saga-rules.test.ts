import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { parseExposition, valueOf } from '../support/prometheus-text.ts';
import { call } from '../support/test-host.ts';
import { book, effectsOf, sagaIn, startSagaHost } from './support/saga-host.ts';

const steps = ['reserve-room', 'charge-card', 'confirm-booking', 'issue-voucher', 'capture-payment'];

describe.each(testDatabases)('saga runner rules on $name', { timeout: 120_000 }, (testDatabase) => {
  let database: TestDatabaseHandle | undefined;
  let host: Host | undefined;
  afterEach(async () => {
    await host?.stop();
    await database?.close();
    host = database = undefined;
  });

  it('a started saga answers 202 with the booking, then runs every step once, each intent recorded before its invoke', async () => {
    database = await testDatabase.open();
    const h = (host = await startSagaHost(database));
    const id = randomUUID();
    const response = await book(h, id);
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/trips/v1/bookings/${id}`);
    expect(await response.json()).toMatchObject({ id, saga: `/ops/sagas/trips/${id}` });
    const saga = await sagaIn(h, id, ['completed']);
    const invokes = saga.history.filter((e) => e.action === 'intent' || (e.action === 'invoke' && e.outcome === 'succeeded'));
    expect(invokes.map((e) => `${e.action}:${e.step}`)).toEqual(steps.flatMap((s) => [`intent:${s}`, `invoke:${s}`]));
    expect(Object.values(await effectsOf(h, 'rooms', id)).map((e) => [e.step, e.effects, e.compensations])).toEqual([
      ['issue-voucher', 1, 0],
      ['reserve-room', 1, 0],
    ]);
  });

  it('charges each step attempt to the saga’s module as busy time (costs and cleave_module_busy_seconds_total{kind="sagas"})', async () => {
    database = await testDatabase.open();
    const h = (host = await startSagaHost(database));
    const id = randomUUID();
    expect((await book(h, id)).status).toBe(202);
    await sagaIn(h, id, ['completed']);
    const costs = (await (await call(h, 'GET', '/ops/costs')).json()) as {
      modules: { module: string; sagaSteps: number; sagaSeconds: number; share: number }[];
    };
    const trips = costs.modules.find((m) => m.module === 'trips');
    expect(trips?.sagaSteps).toBe(steps.length);
    expect(trips?.sagaSeconds).toBeGreaterThan(0);
    expect(trips?.share).toBeGreaterThan(0);
    const metrics = parseExposition(await (await call(h, 'GET', '/metrics')).text());
    expect(valueOf(metrics, 'cleave_module_busy_seconds_total', { module: 'trips', kind: 'sagas' })).toBeCloseTo(trips?.sagaSeconds ?? -1, 6);
  });

  it('a saga started in a transaction that commits late runs once it commits, not at the next poll', async () => {
    database = await testDatabase.open();
    // A poll far beyond the test's deadline: only the wake after the commit can start the saga in time.
    const h = (host = await startSagaHost(database, { timings: { pollMs: 600_000 } }));
    const trips = h.modules.find((m) => m.definition.name === 'trips');
    const saga = trips?.definition.sagas?.[0];
    if (!trips || !saga) throw new Error('trips and its saga are not hosted');
    const id = randomUUID();
    await trips.context.transaction(async (tx) => {
      await tx.execute(sql`insert into trips.bookings (id, status) values (${id}, 'pending')`);
      await trips.context.sagas.start(tx, saga, { bookingId: id, faults: {} }, { id });
      // Longer than the runner's own look right after the start: on PostgreSQL the row is not visible to it yet (PGlite
      // has one connection, so that look waits for the commit and this test proves the wake on PostgreSQL only).
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
    expect((await sagaIn(h, id, ['completed'])).state).toBe('completed');
  });

  it('a failure before the point of no return compensates the attempted steps in reverse, each effect net zero', async () => {
    database = await testDatabase.open();
    const h = (host = await startSagaHost(database));
    const id = randomUUID();
    await book(h, id, { 'charge-card': 'fail' });
    const saga = await sagaIn(h, id, ['compensated']);
    const undone = saga.history.filter((e) => e.action === 'compensate' && e.outcome === 'succeeded').map((e) => e.step);
    expect(undone).toEqual(['charge-card', 'reserve-room']);
    expect((await effectsOf(h, 'rooms', id))['reserve-room']).toMatchObject({ effects: 1, compensations: 1 });
    // The declined charge never took effect; its undo came first and voids it for good.
    expect((await effectsOf(h, 'payments', id))['charge-card']).toMatchObject({ effects: 0, compensations: 0, voided: true });
  });

  it('after the point of no return a failing step is retried forward, never compensated', async () => {
    database = await testDatabase.open();
    const h = (host = await startSagaHost(database, { timings: { invokeAttempts: 1 } }));
    const id = randomUUID();
    await book(h, id, { 'issue-voucher': 'fail-twice' });
    const saga = await sagaIn(h, id, ['completed']);
    expect(saga.history.filter((e) => e.step === 'issue-voucher' && e.outcome === 'failed')).toHaveLength(2);
    expect(saga.history.some((e) => e.action === 'compensate')).toBe(false);
    expect((await effectsOf(h, 'rooms', id))['issue-voucher']).toMatchObject({ effects: 1 });
  });

  it('a timed-out step is retried with the same key: the late effect is replayed, not repeated', async () => {
    database = await testDatabase.open();
    const h = (host = await startSagaHost(database, { slowMs: 1500, timeoutMs: 500, timings: { invokeAttempts: 20, leaseMs: 2000 } }));
    const id = randomUUID();
    await book(h, id, { 'reserve-room': 'slow-once' });
    const saga = await sagaIn(h, id, ['completed']);
    expect(saga.history.some((e) => e.step === 'reserve-room' && e.outcome === 'timed-out')).toBe(true);
    expect((await effectsOf(h, 'rooms', id))['reserve-room']).toMatchObject({ effects: 1, compensations: 0 });
  });

  it('a step whose timed-out attempt still holds its key waits for it without using up attempts: the late answer is replayed', async () => {
    database = await testDatabase.open();
    // Two attempts only: the first times out, and the refusals while it still runs (409, key in use) must not count,
    // or the saga would compensate a step whose effect is about to land.
    const h = (host = await startSagaHost(database, { slowMs: 3000, timeoutMs: 500, idempotencyLock: '20s', timings: { invokeAttempts: 2, leaseMs: 2000 } }));
    const id = randomUUID();
    await book(h, id, { 'charge-card': 'slow-once' });
    const saga = await sagaIn(h, id, ['completed']);
    const charge = saga.history.filter((e) => e.step === 'charge-card' && e.action === 'invoke');
    expect(charge[0]?.outcome).toBe('timed-out');
    expect(charge.some((e) => e.outcome === 'failed' && String(e.detail.error).includes('Idempotency-Key'))).toBe(true);
    expect((await effectsOf(h, 'payments', id))['charge-card']).toMatchObject({ effects: 1, compensations: 0 });
  });

  it('a step that keeps timing out is compensated, and the undo voids its late effect', async () => {
    database = await testDatabase.open();
    // Each attempt outlives the key's 2 s lock, so the next takes the key over and times out in turn.
    const h = (host = await startSagaHost(database, { slowMs: 3000, timeoutMs: 500, timings: { invokeAttempts: 2, leaseMs: 2000 } }));
    const id = randomUUID();
    await book(h, id, { 'charge-card': 'hang' });
    await sagaIn(h, id, ['compensated']);
    await new Promise((r) => setTimeout(r, 4000));
    const charge = (await effectsOf(h, 'payments', id))['charge-card'];
    expect(charge?.effects).toBe(charge?.compensations);
    expect((await effectsOf(h, 'rooms', id))['reserve-room']).toMatchObject({ effects: 1, compensations: 1 });
  });

  it('bad operator input answers problem+json 400, 404 and 409', async () => {
    database = await testDatabase.open();
    const h = (host = await startSagaHost(database));
    expect((await call(h, 'GET', '/ops/sagas?state=lost')).status).toBe(400);
    expect((await call(h, 'GET', '/ops/sagas/nowhere/x')).status).toBe(404);
    expect((await call(h, 'GET', '/ops/sagas/trips/none')).status).toBe(404);
    const id = randomUUID();
    await book(h, id);
    await sagaIn(h, id, ['completed']);
    const refused = await call(h, 'POST', `/ops/sagas/trips/${id}/retry`, {});
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect((await call(h, 'POST', `/ops/sagas/trips/${id}/resolve`, { outcome: 'lost' })).status).toBe(400);
  });
});
