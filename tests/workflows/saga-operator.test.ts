import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { parseExposition, valueOf } from '../support/prometheus-text.ts';
import { call, eventually } from '../support/test-host.ts';
import { book, effectsOf, sagaIn, startSagaHost } from './support/saga-host.ts';

// The charge is declined, so the room is released; its release fails twice, and two attempts are all a saga gets here.
const stuckFaults = { 'charge-card': 'fail', 'undo-reserve-room': 'undo-fails-twice' };

describe.each(testDatabases)('stuck sagas and the operator on $name', { timeout: 120_000 }, (testDatabase) => {
  let database: TestDatabaseHandle | undefined;
  let host: Host | undefined;
  afterEach(async () => {
    await host?.stop();
    await database?.close();
    host = database = undefined;
  });

  it('a compensation failing every attempt ends stuck: logged, counted, a health warning, listed; retry compensates it, audited', async () => {
    database = await testDatabase.open();
    const h = (host = await startSagaHost(database, { timings: { compensationAttempts: 2 } }));
    const id = randomUUID();
    await book(h, id, stuckFaults);
    const stuck = await sagaIn(h, id, ['stuck']);
    expect(stuck.history.at(-1)).toMatchObject({ step: 'reserve-room', action: 'compensate', outcome: 'stuck' });

    const health = await (await call(h, 'GET', '/health/ready')).text();
    expect(health).toContain('1 stuck saga(s)');
    const metrics = parseExposition(await (await call(h, 'GET', '/metrics')).text());
    expect(valueOf(metrics, 'cleave_sagas', { module: 'trips', state: 'stuck' })).toBe(1);
    expect(valueOf(metrics, 'cleave_sagas_stuck_total', { module: 'trips' })).toBe(1);
    const listed = (await (await call(h, 'GET', '/ops/sagas?state=stuck')).json()) as { items: { id: string; endedAt: string | null; leased: boolean }[] };
    expect(listed.items.map((s) => s.id)).toEqual([id]);
    // Held for an operator, not ended (retention ages sagas by their end), and no runner holds it.
    expect(listed.items[0]).toMatchObject({ endedAt: null, leased: false });

    const retried = await call(h, 'POST', `/ops/sagas/trips/${id}/retry`, { reason: 'rooms is back' });
    expect(retried.status).toBe(200);
    const done = await sagaIn(h, id, ['compensated']);
    expect(done.history.some((e) => e.action === 'operator' && e.outcome === 'retried')).toBe(true);
    expect((await effectsOf(h, 'rooms', id))['reserve-room']).toMatchObject({ effects: 1, compensations: 1 });
    // Ended sagas are counted by outcome and, compensated, by the step that failed and its problem code; a clean one completes.
    const clean = randomUUID();
    await book(h, clean, {});
    await sagaIn(h, clean, ['completed']);
    const ended = parseExposition(await (await call(h, 'GET', '/metrics')).text());
    const trips = { module: 'trips', saga: 'book-trip' };
    expect(valueOf(ended, 'cleave_sagas_ended_total', { ...trips, outcome: 'compensated', step: 'charge-card', problem: 'payments/declined' })).toBe(1);
    expect(valueOf(ended, 'cleave_sagas_ended_total', { ...trips, outcome: 'completed', step: 'none', problem: 'none' })).toBe(1);
    expect(valueOf(ended, 'cleave_saga_duration_seconds_count', { ...trips, outcome: 'compensated' })).toBe(1);
    expect(valueOf(ended, 'cleave_saga_duration_seconds_count', { ...trips, outcome: 'completed' })).toBe(1);
    const audit = (await (await call(h, 'GET', '/ops/audit/entries?module=trips&action=platform.saga-retried')).json()) as { items: unknown[] };
    expect(audit.items).toEqual([
      expect.objectContaining({ target: `trips/${id}`, outcome: 'success', detail: expect.objectContaining({ reason: 'rooms is back' }) }),
    ]);
  });

  it('a step refused past the point of no return ends stuck, not retried forever; retry sends it again, resolve closes it', async () => {
    database = await testDatabase.open();
    const h = (host = await startSagaHost(database));
    const id = randomUUID();
    // The capture is refused for good (a 409, as for an intent voided by hand): no retry settles it, no undo is due.
    await book(h, id, { 'capture-payment': 'fail' });
    const stuck = await sagaIn(h, id, ['stuck']);
    expect(stuck.history.at(-1)).toMatchObject({ step: 'capture-payment', action: 'invoke', outcome: 'stuck' });
    expect(stuck.history.filter((e) => e.action === 'compensate')).toEqual([]);
    expect(await (await call(h, 'GET', '/health/ready')).text()).toContain('1 stuck saga(s)');
    const metrics = parseExposition(await (await call(h, 'GET', '/metrics')).text());
    expect(valueOf(metrics, 'cleave_sagas_stuck_total', { module: 'trips' })).toBe(1);
    // Nothing before the point of no return was undone.
    expect((await effectsOf(h, 'rooms', id))['reserve-room']).toMatchObject({ effects: 1, compensations: 0 });

    // Retry goes forward (the refusal stands, so it is stuck again); resolving it closes it as completed.
    expect((await call(h, 'POST', `/ops/sagas/trips/${id}/retry`, { reason: 'intent authorized again' })).status).toBe(200);
    const again = await eventually(async () => {
      const saga = await sagaIn(h, id, ['stuck']);
      expect(saga.history.filter((e) => e.outcome === 'stuck')).toHaveLength(2);
      return saga;
    }, 30_000);
    expect(again.history.filter((e) => e.action === 'compensate')).toEqual([]);
    const resolved = await call(h, 'POST', `/ops/sagas/trips/${id}/resolve`, { outcome: 'completed', reason: 'captured by hand' });
    expect(resolved.status).toBe(200);
    await sagaIn(h, id, ['completed']);
  });

  it('listing the sagas of a module not hosted here is 404 sagas/module-not-hosted, not an empty list', async () => {
    database = await testDatabase.open();
    const h = (host = await startSagaHost(database));
    expect((await call(h, 'GET', '/ops/sagas?module=trips')).status).toBe(200);
    for (const module of ['notifications', 'trip']) {
      const listed = await call(h, 'GET', `/ops/sagas?module=${module}&state=stuck`);
      expect(listed.status).toBe(404);
      expect(listed.headers.get('content-type')).toContain('application/problem+json');
      expect(await listed.json()).toMatchObject({ code: 'sagas/module-not-hosted' });
    }
    // limit is decimal digits, as every query integer of the API: 0x10 is not 16, 1e2 not 100.
    for (const limit of ['0x10', '1e2', ' 5', '0']) {
      const refused = await call(h, 'GET', `/ops/sagas?module=trips&limit=${encodeURIComponent(limit)}`);
      expect(refused.status, limit).toBe(400);
      expect(await refused.json()).toMatchObject({ code: 'http/validation-failed', errors: [expect.objectContaining({ location: 'query', path: 'limit' })] });
    }
    expect((await call(h, 'GET', '/ops/sagas?module=trips&limit=5')).status).toBe(200);
    // Not a module name at all: said so, rather than "Module  is not hosted here".
    for (const module of ['', 'Trips', 'trips_2']) {
      const refused = await call(h, 'GET', `/ops/sagas?module=${module}`);
      expect(refused.status, module).toBe(400);
      expect(await refused.json()).toMatchObject({
        code: 'http/validation-failed',
        errors: [expect.objectContaining({ location: 'query', path: 'module', message: expect.stringContaining('must be a module name') })],
      });
    }
  });

  it('a stuck saga resolved by hand ends as the operator says, with the reason in its history and the audit trail', async () => {
    database = await testDatabase.open();
    const h = (host = await startSagaHost(database, { timings: { compensationAttempts: 1 } }));
    const id = randomUUID();
    await book(h, id, stuckFaults);
    await sagaIn(h, id, ['stuck']);
    const resolved = await call(h, 'POST', `/ops/sagas/trips/${id}/resolve`, { outcome: 'compensated', reason: 'room released by phone' });
    expect(resolved.status).toBe(200);
    expect(await resolved.json()).toMatchObject({ state: 'compensated', leased: false });
    const saga = await sagaIn(h, id, ['compensated']);
    expect(saga.history.at(-1)).toMatchObject({ action: 'operator', outcome: 'resolved-compensated', detail: { reason: 'room released by phone' } });
    expect(saga.endedAt).not.toBeNull();
    const audit = (await (await call(h, 'GET', '/ops/audit/entries?module=trips&action=platform.saga-resolved')).json()) as { items: unknown[] };
    expect(audit.items).toHaveLength(1);
    expect((await call(h, 'POST', `/ops/sagas/trips/${id}/resolve`, { outcome: 'completed', reason: 'again' })).status).toBe(409);
  });
});
