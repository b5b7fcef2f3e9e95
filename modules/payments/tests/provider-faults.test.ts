import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { newIntent, paymentsApi, providerOperations, startPaymentsHost } from './support.ts';

const ledgerEntries = async (api: ReturnType<typeof paymentsApi>, id: string) =>
  ((await (await api.send('GET', `/payments/v1/ledger?intentId=${id}`)).json()) as { entries: number }).entries;

describe.each(testDatabases)('payments when the provider fails (test amounts), on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let api: ReturnType<typeof paymentsApi>;

  beforeAll(async () => {
    database = await testDatabase.open();
    // Hanging calls end within seconds; real answers on a loaded machine never run out of it (sub-second ones could).
    host = await startPaymentsHost(database, { PAYMENTS_PROVIDER_TIMEOUT_MS: '2000' });
    api = paymentsApi(host);
  });
  afterAll(async () => {
    await host.stop();
    await database.close();
  });

  it('an amount ending in 13 is declined, and stays declined when repeated', async () => {
    const id = newIntent();
    for (let i = 0; i < 2; i++) {
      const response = await api.authorize(id, 4513);
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ code: 'payments/card-declined', reason: 'test-card-declined' });
    }
    expect(await (await api.get(id)).json()).toMatchObject({ status: 'declined', declineReason: 'test-card-declined' });
    const capture = await api.capture(id);
    expect(capture.status).toBe(409);
    expect(await capture.json()).toMatchObject({ code: 'payments/intent-not-capturable' });
    expect(await providerOperations(host, id, 'authorize')).toBe(1);
    // Others in the same host still succeed.
    expect((await api.authorize(newIntent(), 4514)).status).toBe(201);
    expect(await api.ledgerProblems([id])).toEqual([]);
  });

  it('a provider error is 503 payments/provider-unavailable; the retry authorizes, once', async () => {
    const id = newIntent();
    const failed = await api.authorize(id, 1051);
    expect(failed.status).toBe(503);
    expect(await failed.json()).toMatchObject({ code: 'payments/provider-unavailable' });
    expect(await (await api.get(id)).json()).toMatchObject({ status: 'pending' });
    expect(await providerOperations(host, id, 'authorize')).toBe(0);
    expect((await api.authorize(id, 1051)).status).toBe(201);
    expect(await providerOperations(host, id, 'authorize')).toBe(1);
  });

  it('a provider that hangs is 503 payments/provider-timeout, the intent pending; the retry authorizes, once', async () => {
    const id = newIntent();
    const timedOut = await api.authorize(id, 1052);
    expect(timedOut.status).toBe(503);
    expect(await timedOut.json()).toMatchObject({ code: 'payments/provider-timeout' });
    expect(await (await api.get(id)).json()).toMatchObject({ status: 'pending' });
    expect(await providerOperations(host, id, 'authorize')).toBe(0);
    expect(await (await api.authorize(id, 1052)).json()).toMatchObject({ status: 'authorized' });
    await api.capture(id);
    expect(await providerOperations(host, id, 'authorize')).toBe(1);
    expect(await ledgerEntries(api, id)).toBe(1);
    expect(await api.ledgerProblems([id])).toEqual([]);
  });

  it('a lost reply (authorized at the provider, no answer) is a timeout; the retry learns the authorization: one operation, one movement', async () => {
    const id = newIntent();
    const lost = await api.authorize(id, 1053);
    expect(lost.status).toBe(503);
    expect(await lost.json()).toMatchObject({ code: 'payments/provider-timeout' });
    expect(await (await api.get(id)).json()).toMatchObject({ status: 'pending' });
    // The provider did authorize.
    expect(await providerOperations(host, id, 'authorize')).toBe(1);
    const retried = await api.authorize(id, 1053);
    expect(retried.status).toBe(201);
    expect(await retried.json()).toMatchObject({ status: 'authorized' });
    expect((await api.capture(id)).status).toBe(200);
    expect((await api.capture(id)).status).toBe(200);
    expect(await providerOperations(host, id, 'authorize')).toBe(1);
    expect(await providerOperations(host, id, 'capture')).toBe(1);
    expect(await ledgerEntries(api, id)).toBe(1);
    expect(await api.ledgerProblems([id])).toEqual([]);
  });

  it('void of an intent pending after a lost reply voids the authorization at the provider', async () => {
    const id = newIntent();
    expect((await api.authorize(id, 2053)).status).toBe(503);
    const voided = await api.void(id);
    expect(voided.status).toBe(200);
    expect(await voided.json()).toMatchObject({ status: 'voided' });
    expect(await providerOperations(host, id, 'void')).toBe(1);
    // Asking the provider about the authorization now answers voided: nothing stays held.
    const again = await api.authorize(id, 2053);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'payments/intent-voided' });
    expect(await api.ledgerProblems([id])).toEqual([]);
  });

  it('void of an intent pending after a hang voids ahead: the authorization arriving later is refused', async () => {
    const id = newIntent();
    expect((await api.authorize(id, 3052)).status).toBe(503);
    expect(await providerOperations(host, id, 'authorize')).toBe(0);
    expect((await api.void(id)).status).toBe(200);
    expect(await (await api.get(id)).json()).toMatchObject({ status: 'voided' });
    expect((await api.authorize(id, 3052)).status).toBe(409);
    expect(await api.ledgerProblems([id])).toEqual([]);
  });

  it('with an Idempotency-Key: a decline is still recorded, and a timed-out authorization is retried with the same key', async () => {
    const declined = newIntent();
    const keyed = (id: string, amount: number, key: string) =>
      api.send(
        'POST',
        `/payments/v1/intents/${id}/authorize`,
        { reference: `order-${id}`, customerId: 'alice', amount, currency: 'EUR' },
        { 'idempotency-key': key },
      );
    expect((await keyed(declined, 613, `"${newIntent()}"`)).status).toBe(409);
    expect(await (await api.get(declined)).json()).toMatchObject({ status: 'declined' });
    const lost = newIntent();
    const key = `"${newIntent()}"`;
    expect((await keyed(lost, 653, key)).status).toBe(503);
    const retried = await keyed(lost, 653, key);
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(await (await keyed(lost, 653, key)).json()).toMatchObject({ status: 'authorized' });
    expect(await providerOperations(host, lost, 'authorize')).toBe(1);
  });

  it('20 concurrent authorizations of one intent: one provider authorization, one 201, one event', async () => {
    const id = newIntent();
    const responses = await Promise.all(Array.from({ length: 20 }, () => api.authorize(id, 990)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array<number>(18).fill(200), 201].sort());
    expect(await providerOperations(host, id, 'authorize')).toBe(1);
    await Promise.all(Array.from({ length: 5 }, () => api.capture(id)));
    expect(await providerOperations(host, id, 'capture')).toBe(1);
    expect(await ledgerEntries(api, id)).toBe(1);
    expect(await api.ledgerProblems([id])).toEqual([]);
  });
});

// The rates are the simulator's, whatever the database: one host each, on the first test database (PGlite).
describe.each(testDatabases.slice(0, 1))('payments with provider fault rates, on $name', (testDatabase) => {
  const hosts: { host: Host; database: TestDatabaseHandle }[] = [];
  const start = async (env: Record<string, string>) => {
    const database = await testDatabase.open();
    const host = await startPaymentsHost(database, { PAYMENTS_PROVIDER_TIMEOUT_MS: '2000', ...env });
    hosts.push({ host, database });
    return { host, api: paymentsApi(host) };
  };
  afterAll(async () => {
    for (const { host, database } of hosts) {
      await host.stop();
      await database.close();
    }
  });

  it('PAYMENTS_PROVIDER_DECLINE_RATE=1 declines every authorization', async () => {
    const { api } = await start({ PAYMENTS_PROVIDER_DECLINE_RATE: '1' });
    const response = await api.authorize(newIntent(), 1000);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ code: 'payments/card-declined', reason: 'insufficient-funds' });
  });

  it('PAYMENTS_PROVIDER_LOST_REPLY_RATE=1: every first reply is lost, and every retry finds the stored outcome', async () => {
    const { host, api } = await start({ PAYMENTS_PROVIDER_LOST_REPLY_RATE: '1', PAYMENTS_PROVIDER_SEED: '7' });
    const id = newIntent();
    expect((await api.authorize(id, 1000)).status).toBe(503);
    expect((await api.authorize(id, 1000)).status).toBe(201);
    expect((await api.capture(id)).status).toBe(503);
    expect((await api.capture(id)).status).toBe(200);
    // A refund retried with its Idempotency-Key after the lost reply finishes the same refund.
    const key = { 'idempotency-key': `"${newIntent()}"` };
    expect((await api.refund(id, 400, key)).status).toBe(503);
    expect(await (await api.get(id)).json()).toMatchObject({ refundedAmount: 0 });
    expect(await (await api.refund(id, 400, key)).json()).toMatchObject({ status: 'captured', refundedAmount: 400 });
    expect(await providerOperations(host, id, 'authorize')).toBe(1);
    expect(await providerOperations(host, id, 'capture')).toBe(1);
    expect(await providerOperations(host, id, 'refund')).toBe(1);
    expect(await api.ledgerProblems([id])).toEqual([]);
  });

  it('PAYMENTS_PROVIDER_ERROR_RATE=1 answers 503 and records nothing at the provider', async () => {
    const { host, api } = await start({ PAYMENTS_PROVIDER_ERROR_RATE: '1' });
    const id = newIntent();
    for (let i = 0; i < 2; i++) expect(await (await api.authorize(id, 1000)).json()).toMatchObject({ status: 503, code: 'payments/provider-unavailable' });
    expect(await providerOperations(host, id, 'authorize')).toBe(0);
    expect(await (await api.get(id)).json()).toMatchObject({ status: 'pending' });
  });
});
