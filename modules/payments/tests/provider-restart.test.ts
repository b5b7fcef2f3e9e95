import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { newIntent, paymentsApi, providerOperations, startPaymentsHost } from './support.ts';

describe.each(testDatabases)('payments across a restart of its process, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host | undefined;

  beforeAll(async () => {
    database = await testDatabase.open();
  });
  afterAll(async () => {
    await host?.stop();
    await database.close();
  });

  it('an authorization whose reply was lost is found after a restart: the provider keeps its records', async () => {
    host = await startPaymentsHost(database, { PAYMENTS_PROVIDER_TIMEOUT_MS: '2000' });
    const id = newIntent();
    expect((await paymentsApi(host).authorize(id, 5053)).status).toBe(503);
    await host.stop();
    // A new process: the simulator's memory of which test amounts it failed is gone, its records are not.
    host = await startPaymentsHost(database, { PAYMENTS_PROVIDER_TIMEOUT_MS: '2000' });
    const api = paymentsApi(host);
    expect(await (await api.get(id)).json()).toMatchObject({ status: 'pending' });
    const retried = await api.authorize(id, 5053);
    expect(retried.status).toBe(201);
    expect(await providerOperations(host, id, 'authorize')).toBe(1);
    expect(await api.ledgerProblems([id])).toEqual([]);
  });
});
