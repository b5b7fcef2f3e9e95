import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { resultRows } from '../../../platform/db/index.ts';
import type { Host, HostedModule } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { directCall } from '../../../tests/support/direct-call.ts';
import { eventually } from '../../../tests/support/test-host.ts';
import { eraseCustomer } from '../application/erase-customer.ts';
import { newIntent, paymentsApi, providerOperations, startPaymentsHost } from './support.ts';

describe.each(testDatabases)('payment intents, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let api: ReturnType<typeof paymentsApi>;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startPaymentsHost(database);
    api = paymentsApi(host);
  });
  afterAll(async () => {
    await host.stop();
    await database.close();
  });

  it('authorize, capture and a full refund: each once, the ledger balanced after each step', async () => {
    const id = newIntent();
    const authorized = await api.authorize(id, 2500);
    expect(authorized.status).toBe(201);
    expect(await authorized.json()).toMatchObject({ id, status: 'authorized', amount: 2500, currency: 'EUR', capturedAmount: 0, declineReason: null });
    expect(await api.ledgerProblems([id])).toEqual([]);
    const captured = await api.capture(id);
    expect(captured.status).toBe(200);
    expect(await captured.json()).toMatchObject({ status: 'captured', capturedAmount: 2500 });
    expect(await api.ledgerProblems([id])).toEqual([]);
    const refunded = await api.refund(id);
    expect(refunded.status).toBe(200);
    expect(await refunded.json()).toMatchObject({ status: 'refunded', capturedAmount: 2500, refundedAmount: 2500 });
    expect(await api.ledgerProblems([id])).toEqual([]);
    const ledger = (await (await api.send('GET', `/payments/v1/ledger?intentId=${id}`)).json()) as { entries: number; accounts: unknown[] };
    expect(ledger.entries).toBe(2);
    expect(ledger.accounts).toEqual([
      { account: 'merchant-refunds', currency: 'EUR', debits: 2500, credits: 0, balance: 2500 },
      { account: 'merchant-sales', currency: 'EUR', debits: 0, credits: 2500, balance: -2500 },
      { account: 'provider-clearing', currency: 'EUR', debits: 2500, credits: 2500, balance: 0 },
    ]);
  });

  it('repeating authorize and capture changes nothing and calls the provider once for each', async () => {
    const id = newIntent();
    expect((await api.authorize(id)).status).toBe(201);
    const again = await api.authorize(id);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'authorized' });
    expect((await api.capture(id)).status).toBe(200);
    const recaptured = await api.capture(id);
    expect(recaptured.status).toBe(200);
    expect(await recaptured.json()).toMatchObject({ status: 'captured' });
    // Authorize after capture answers the intent as it is.
    expect(await (await api.authorize(id)).json()).toMatchObject({ status: 'captured' });
    expect(await providerOperations(host, id, 'authorize')).toBe(1);
    expect(await providerOperations(host, id, 'capture')).toBe(1);
    const ledger = (await (await api.send('GET', `/payments/v1/ledger?intentId=${id}`)).json()) as { entries: number };
    expect(ledger.entries).toBe(1);
    expect(await api.ledgerProblems([id])).toEqual([]);
  });

  it('the same intent id with another amount, currency or reference is payments/intent-conflict', async () => {
    const id = newIntent();
    await api.authorize(id, 1000);
    for (const clash of [api.authorize(id, 1001), api.authorize(id, 1000, { currency: 'USD' }), api.authorize(id, 1000, { reference: 'other' })]) {
      const response = await clash;
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({ code: 'payments/intent-conflict', intentId: id });
    }
  });

  it("an authorization in a made-up currency or over one payment's limit is refused before the provider is asked", async () => {
    type Problem = { code: string; errors: { path: string; message: string }[] };
    const id = newIntent();
    const madeUp = await api.authorize(id, 1000, { currency: 'ZZZ' });
    expect(madeUp.status).toBe(400);
    expect(await madeUp.json()).toMatchObject({
      code: 'http/validation-failed',
      errors: [{ path: 'currency', message: 'currency must be an ISO 4217 currency code in use, such as EUR, USD or JPY; got "ZZZ".' }],
    });
    const tooMuch = await api.authorize(id, 1_000_000_001);
    expect(tooMuch.status).toBe(400);
    expect(((await tooMuch.json()) as Problem).errors).toMatchObject([
      { path: 'amount', message: 'amount must be a whole number from 1 to 1000000000; got 1000000001.' },
    ]);
    expect(await providerOperations(host, id, 'authorize')).toBe(0);
    expect((await api.authorize(id, 1_000_000_000, { currency: 'JPY' })).status).toBe(201);
  });

  it('void releases an authorization once; capture of it is refused; void of a captured one is refused', async () => {
    const id = newIntent();
    await api.authorize(id);
    for (let i = 0; i < 2; i++) {
      const voided = await api.void(id);
      expect(voided.status).toBe(200);
      expect(await voided.json()).toMatchObject({ status: 'voided' });
    }
    const capture = await api.capture(id);
    expect(capture.status).toBe(409);
    expect(await capture.json()).toMatchObject({ code: 'payments/intent-not-capturable' });
    const reauthorize = await api.authorize(id);
    expect(reauthorize.status).toBe(409);
    expect(await reauthorize.json()).toMatchObject({ code: 'payments/intent-voided' });
    const other = newIntent();
    await api.authorize(other);
    await api.capture(other);
    const voidCaptured = await api.void(other);
    expect(voidCaptured.status).toBe(409);
    expect(await voidCaptured.json()).toMatchObject({ code: 'payments/intent-not-voidable', status: 409, intentStatus: 'captured' });
    expect(await providerOperations(host, id, 'void')).toBe(1);
    expect(await api.ledgerProblems([id, other])).toEqual([]);
  });

  it('void of an intent payments never saw answers 404 and refuses its authorization arriving later', async () => {
    const id = newIntent();
    const voided = await api.void(id);
    expect(voided.status).toBe(404);
    expect(await voided.json()).toMatchObject({ code: 'payments/intent-not-found' });
    const late = await api.authorize(id);
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ code: 'payments/intent-voided' });
    expect((await api.get(id)).status).toBe(404);
    expect((await api.void(id)).status).toBe(404);
    expect(await providerOperations(host, id, 'authorize')).toBe(0);
    expect(await api.ledgerProblems([id])).toEqual([]);
  });

  // An authorization records its intent in a statement of its own; a void that looks between that insert and its
  // commit must void the intent, not answer not-found (forced here by holding the insert open).
  it.skipIf(testDatabase.name !== 'postgres')('a void whose tombstone waits on an authorization still recording the intent voids it', async () => {
    const id = newIntent();
    const other = postgres(database.url!, { max: 2, onnotice: () => {} });
    try {
      const recording = await other.reserve();
      await recording`begin`;
      await recording`insert into payments.payment_intents (id, reference, customer_id, amount, currency, status) values (${id}, ${`order-${id}`}, 'customer-1', 1200, 'EUR', 'pending')`;
      const voiding = api.void(id);
      await eventually(async () => {
        const [waiting] = await other`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
        expect(waiting?.n).toBe(1);
      });
      await recording`commit`;
      recording.release();
      const voided = await voiding;
      expect(voided.status).toBe(200);
      expect(await voided.json()).toMatchObject({ id, status: 'voided' });
      expect(await providerOperations(host, id, 'void')).toBe(1);
    } finally {
      await other.end();
    }
  });

  it('partial refunds add up to the capture and no further', async () => {
    const id = newIntent();
    await api.authorize(id, 1000);
    const early = await api.refund(id, 100);
    expect(early.status).toBe(409);
    // The intent's state travels as `intentStatus`: a `status` field would be overwritten by the problem's own.
    expect(await early.json()).toMatchObject({ code: 'payments/intent-not-refundable', status: 409, intentId: id, intentStatus: 'authorized' });
    await api.capture(id);
    expect(await (await api.refund(id, 300)).json()).toMatchObject({ status: 'captured', refundedAmount: 300 });
    expect(await api.ledgerProblems([id])).toEqual([]);
    const tooMuch = await api.refund(id, 701);
    expect(tooMuch.status).toBe(409);
    expect(await tooMuch.json()).toMatchObject({ code: 'payments/refund-exceeds-capture', requested: 701, refundable: 700 });
    expect(await (await api.refund(id, 700)).json()).toMatchObject({ status: 'refunded', refundedAmount: 1000 });
    expect((await api.refund(id, 1)).status).toBe(409);
    // Without an amount a refund takes what is left: here nothing, which it says in those words.
    const rest = await api.refund(id);
    expect(rest.status).toBe(409);
    expect(await rest.json()).toMatchObject({
      code: 'payments/refund-exceeds-capture',
      refundable: 0,
      detail: `Payment intent ${id} is refunded in full: nothing is left to refund.`,
    });
    expect(await providerOperations(host, id, 'refund')).toBe(2);
    expect(await api.ledgerProblems([id])).toEqual([]);
  });

  it('a refund repeated with the same Idempotency-Key refunds once', async () => {
    const id = newIntent();
    await api.authorize(id, 1000);
    await api.capture(id);
    const key = `"${newIntent()}"`;
    const first = await api.refund(id, 400, { 'idempotency-key': key });
    const again = await api.refund(id, 400, { 'idempotency-key': key });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(await api.get(id).then((r) => r.json())).toMatchObject({ refundedAmount: 400 });
    expect(await providerOperations(host, id, 'refund')).toBe(1);
    expect(await api.ledgerProblems([id])).toEqual([]);
  });

  it('an Idempotency-Key payments already refunded with, sent for another amount, is 409 payments/refund-key-reused', async () => {
    const id = newIntent();
    await api.authorize(id, 1000);
    await api.capture(id);
    const key = { 'idempotency-key': `refund-${id}` };
    expect((await api.refund(id, 300, key)).status).toBe(200);
    // The platform's stored answer gone (past IDEMPOTENCY_KEY_TTL, or another caller's scope): payments' own record of
    // the key is what answers now, and it must not pass a refund of 500 off as the refund of 300 it made.
    const forget = () => host.modules.find((m) => m.definition.name === 'payments')?.context.db.execute(sql`delete from "payments"."idempotency_keys"`);
    await forget();
    const other = await api.refund(id, 500, key);
    expect([other.status, await other.json()]).toMatchObject([409, { code: 'payments/refund-key-reused', requested: 500, refunded: 300 }]);
    await forget();
    const same = await api.refund(id, 300, key);
    expect(same.status).toBe(200);
    expect(await api.get(id).then((r) => r.json())).toMatchObject({ refundedAmount: 300 });
    expect(await providerOperations(host, id, 'refund')).toBe(1);
    expect(await api.ledgerProblems([id])).toEqual([]);
  });

  it('20 concurrent refunds of 100 against a capture of 1000 refund exactly 1000', async () => {
    const id = newIntent();
    await api.authorize(id, 1000);
    await api.capture(id);
    const statuses = (await Promise.all(Array.from({ length: 20 }, () => api.refund(id, 100)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(10);
    expect(await api.get(id).then((r) => r.json())).toMatchObject({ status: 'refunded', refundedAmount: 1000 });
    expect(await providerOperations(host, id, 'refund')).toBe(10);
    expect(await api.ledgerProblems([id])).toEqual([]);
  });

  it('each change publishes its event, in order per reference', async () => {
    const id = newIntent();
    await api.authorize(id, 700);
    await api.capture(id);
    await api.refund(id, 200);
    const payments = host.modules.find((m) => m.definition.name === 'payments');
    await eventually(async () => {
      const list = resultRows<{ name: string; payload: Record<string, unknown> }>(
        await payments?.context.db.execute(
          sql`select name, envelope->'payload' as payload from payments.outbox where aggregate_key = ${`order-${id}`} order by seq`,
        ),
      );
      expect(list.map((r) => r.name)).toEqual(['payments.payment-authorized', 'payments.payment-captured', 'payments.payment-refunded']);
      expect(list[2]?.payload).toMatchObject({ intentId: id, amount: 200, refundedAmount: 200, reference: `order-${id}`, customerId: 'alice' });
    });
  });

  it('the database refuses an unbalanced journal entry and any change to a posting', async () => {
    const db = host.modules.find((m) => m.definition.name === 'payments')?.context.db;
    if (!db) throw new Error('payments is not hosted here');
    const entry = newIntent();
    const unbalanced = db.transaction(async (tx) => {
      await tx.execute(sql`insert into payments.journal_entries (id, intent_id, movement, currency) values (${entry}, ${newIntent()}, 'capture', 'EUR')`);
      await tx.execute(sql`insert into payments.postings (entry_id, account, debit, credit) values (${entry}, 'provider-clearing', 100, 0)`);
      await tx.execute(sql`insert into payments.postings (entry_id, account, debit, credit) values (${entry}, 'merchant-sales', 0, 99)`);
    });
    await expect(unbalanced).rejects.toThrow();
    const id = newIntent();
    await api.authorize(id, 300);
    await api.capture(id);
    await expect(db.execute(sql`update payments.postings set debit = debit + 1 where debit > 0`)).rejects.toThrow();
    await expect(db.execute(sql`delete from payments.postings`)).rejects.toThrow();
    expect(await api.ledgerProblems([id])).toEqual([]);
  });

  it('module ordering authorizes, captures, voids and reads as itself, with no user; the ledger is for staff only', async () => {
    const asOrdering = (method: string, path: string, body?: unknown) => directCall(host, 'ordering', method, path, body, { authorization: '' });
    const id = newIntent();
    const body = { reference: 'order-1', customerId: 'alice', amount: 1200, currency: 'EUR' };
    expect((await asOrdering('POST', `/payments/v1/intents/${id}/authorize`, body)).status).toBe(201);
    expect((await asOrdering('GET', `/payments/v1/intents/${id}`)).status).toBe(200);
    expect((await asOrdering('POST', `/payments/v1/intents/${id}/capture`)).status).toBe(200);
    expect((await asOrdering('POST', `/payments/v1/intents/${newIntent()}/void`)).status).toBe(404);
    expect((await asOrdering('GET', '/payments/v1/ledger')).status).toBe(403);
    expect((await directCall(host, 'inventory', 'GET', `/payments/v1/intents/${id}`, undefined, { authorization: '' })).status).toBe(403);
  });

  it("a customer erased while authorizations were on their way: new and repeated ones carry the erasure's pseudonym", async () => {
    const customerId = randomUUID();
    const payments = host.modules.find((m) => m.definition.name === 'payments') as HostedModule;
    const before = newIntent();
    expect((await api.authorize(before, 1000, { customerId })).status).toBe(201);
    const erasureId = randomUUID();
    let racing: Promise<Response> | undefined;
    const during = newIntent();
    await database.db.transaction(async (tx) => {
      await eraseCustomer(tx, payments.definition.data ?? {}, customerId, erasureId);
      // An authorization asked while the erasure has not committed waits for it on PostgreSQL (PGlite runs one
      // transaction at a time anyway): it must not record the id where the erasure cannot see it.
      racing = api.authorize(during, 1000, { customerId });
      if (testDatabase.name === 'postgres') {
        await eventually(async () => {
          const waiting = await database.db.execute(sql`select 1 from pg_locks where "locktype" = 'advisory' and not "granted"`);
          expect(resultRows(waiting).length).toBeGreaterThan(0);
        }, 30_000);
      }
    });
    const pseudonym = `erased:${erasureId}`;
    expect([(await racing)?.status, ((await (racing as Promise<Response>).then((r) => r.json())) as { customerId: string }).customerId]).toEqual([
      201,
      pseudonym,
    ]);
    // The same request again (a saga retrying) finds its intent, pseudonymised by the erasure; a new one gets it too.
    const again = await api.authorize(before, 1000, { customerId });
    expect([again.status, ((await again.json()) as { customerId: string }).customerId]).toEqual([200, pseudonym]);
    const after = await api.authorize(newIntent(), 1000, { customerId });
    expect([after.status, ((await after.json()) as { customerId: string }).customerId]).toEqual([201, pseudonym]);
    expect(resultRows(await database.db.execute(sql`select "id" from payments.payment_intents where "customer_id" = ${customerId}`))).toEqual([]);
  });
});
