/**
 * The provider records every operation but its reply never arrives (PAYMENTS_PROVIDER_LOST_REPLY_RATE=1): payments
 * sees a timeout, the saga retries the step with the same idempotency key, and the provider answers the retry from
 * its records. The order still completes, with exactly one authorization at the provider and a balanced ledger. It lives
 * here, not in modules/ordering/tests, because it reads payments' provider records (a module may not name another's tables).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultRows } from '../../platform/db/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { call } from '../support/test-host.ts';
import { paymentIntentIdOf } from '../../modules/ordering/application/checkout-ids.ts';
import { cartWith, checkOut, customer, orderReaching, startShop, stockedProduct, stockOf } from '../../modules/ordering/tests/support.ts';

describe.each(testDatabases)('ordering: checkout when every provider reply is lost, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;

  beforeAll(async () => {
    database = await testDatabase.open();
    // A lost reply is noticed when the provider timeout runs out. Not sub-second: on a loaded machine a retry answered
    // from the provider's records must not time out too (with 300 ms it sometimes did, and capture kept retrying).
    host = await startShop(database, { PAYMENTS_PROVIDER_LOST_REPLY_RATE: '1', PAYMENTS_PROVIDER_LATENCY_MS: '0', PAYMENTS_PROVIDER_TIMEOUT_MS: '3000' });
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  it('the order completes; the provider authorized and captured once; the ledger balances', async () => {
    const alice = await customer(host, 'alice');
    const product = await stockedProduct(host, 3, 2000);
    const orderId = await checkOut(alice, (await cartWith(alice, { [product]: 2 })).id);
    await orderReaching(alice, orderId, 'completed', 150_000);
    // The first authorize reply was lost indeed: the step failed at least once before it succeeded.
    const saga = (await (await call(host, 'GET', `/ops/sagas/ordering/${orderId}`)).json()) as { history: { step: string; action: string; outcome: string }[] };
    const authorize = saga.history.filter((e) => e.step === 'authorize-payment' && e.action === 'invoke').map((e) => e.outcome);
    expect(authorize.at(-1)).toBe('succeeded');
    expect(authorize.length).toBeGreaterThan(1);
    const intentId = paymentIntentIdOf(orderId);
    expect(await (await call(host, 'GET', `/payments/v1/intents/${intentId}`)).json()).toMatchObject({ status: 'captured', capturedAmount: 4000 });
    const operations = resultRows<{ kind: string; n: number }>(
      await database.db.execute(
        sql`select "kind", count(*)::int as "n" from "payments"."provider_operations" where "intent_id" = ${intentId} group by 1 order by 1`,
      ),
    );
    expect(operations.filter((o) => o.kind.startsWith('auth'))).toEqual([{ kind: expect.stringMatching(/^auth/), n: 1 }]);
    expect(((await (await call(host, 'GET', '/payments/v1/ledger')).json()) as { balanced: boolean }).balanced).toBe(true);
    expect(await stockOf(host, product)).toMatchObject({ onHand: 1, reserved: 0 });
  }, 200_000);
});
