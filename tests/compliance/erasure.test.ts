import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules as allModules } from '../../apps/modules.ts';
import { resultRows } from '../../platform/db/index.ts';
import type { EventEnvelope } from '../../platform/events/index.ts';
import type { Host, HostedModule } from '../../platform/host/index.ts';
import { checkout, followOrder, signUpCustomer, webClientReady, type Customer, type Send } from '../shop/support/customer.ts';
import { stockedProduct } from '../shop/support/products.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { eventually, startTestHost } from '../support/test-host.ts';
import { adminToken } from '../support/tokens.ts';
import { keptAfterErasure, personalColumns } from './personal-columns.ts';

const pglite = testDatabases[0];

/**
 * Erasure across all six modules in one process: a customer with an order, a payment and a message is erased, and
 * every module erases or anonymises what it holds about them, once.
 */
describe('erasure across all modules, all in one (PGlite)', { timeout: 120_000 }, () => {
  let database: TestDatabaseHandle;
  let host: Host;
  let send: Send;
  let admin: Send;
  let customer: Customer;

  beforeAll(async () => {
    database = await (pglite as (typeof testDatabases)[number]).open();
    host = await startTestHost({ database, modules: allModules, env: { IDENTITY_PASSWORD_GRANT: 'true', DEMO_DATA: 'true' } });
    await host.seed();
    send = (path, init) => host.app.request(path, init);
    const token = await adminToken(host, (p, init) => host.app.request(p, init));
    admin = (path, init) => host.app.request(path, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` } });
    await webClientReady(send);
    customer = await signUpCustomer(send);
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  const moduleNamed = (name: string) => host.modules.find((m) => m.definition.name === name) as HostedModule;
  const rows = async (query: ReturnType<typeof sql>) => resultRows<Record<string, unknown>>(await database.db.execute(query));
  /** Every declared personal or subject column, in every module, holding `needle` (in the clear). */
  async function holding(needle: string) {
    const found: string[] = [];
    for (const module of host.modules) {
      const schema = module.definition.name;
      for (const { table, column } of personalColumns(module.definition)) {
        const [row] = await rows(
          sql`select count(*)::int as n from ${sql.identifier(schema)}.${sql.identifier(table)} where ${sql.identifier(column)}::text ilike ${`%${needle}%`}`,
        );
        if (Number(row?.n) > 0) found.push(`${schema}.${table}.${column}`);
      }
      const [letters] = await rows(sql`select count(*)::int as n from ${sql.identifier(schema)}."dead_letters" where "envelope"::text ilike ${`%${needle}%`}`);
      if (Number(letters?.n) > 0) found.push(`${schema}.dead_letters`);
    }
    return found;
  }

  it('erases or anonymises the customer in every module, their dead letters too; the sealed data no longer opens; once only', async () => {
    const product = await stockedProduct(admin, 10, 1500);
    const order = await checkout(send, customer, [{ productId: product.id, quantity: 1 }]);
    expect((await followOrder(send, order)).status).toBe('completed');
    const messages = await eventually(async () => {
      const found = await rows(sql`select "id", "subject" from notifications.messages where "customer_id" = ${customer.userId}`);
      expect(found.length).toBeGreaterThan(0);
      return found;
    }, 30_000);
    // A consumer that gave up on an event about the customer keeps it in its dead letters.
    const [registered] = await rows(
      sql`select "envelope" from identity.outbox where "aggregate_key" = ${customer.userId} and "name" = 'identity.user-registered'`,
    );
    await moduleNamed('ordering').deadLetters.record('probe.on-user-registered', registered?.envelope as EventEnvelope, new Error('consumer failed'), 3);
    expect(await holding(customer.userId)).toEqual(
      expect.arrayContaining(['ordering.carts.customer_id', 'payments.payment_intents.customer_id', 'notifications.messages.customer_id']),
    );
    expect(await holding(customer.username)).toEqual(expect.arrayContaining(['identity.users.username', 'ordering.dead_letters']));

    // A rebuild of the order list has copied the customer's rows to its shadow table and not yet swapped it in.
    await database.db.execute(sql`create table ordering.order_list__rebuild as select * from ordering.order_list`);

    // An access token issued before the erasure stays valid until it expires (not revocable).
    const heldToken = await customer.auth();
    const erased = await admin(`/identity/v1/users/${customer.userId}`, { method: 'DELETE' });
    expect(erased.status).toBe(202);
    const erasure = (await erased.json()) as { id: string };

    const kept = keptAfterErasure;
    await eventually(async () => expect((await holding(customer.userId)).filter((c) => !kept.includes(c))).toEqual([]), 15_000);
    expect((await holding(customer.username)).join(' ')).toBe('');
    // Orders and payments stay (commercial and accounting records) under the erasure's pseudonym; the ledger is whole.
    const pseudonym = `erased:${erasure.id}`;
    expect(await rows(sql`select "id" from ordering.order_detail where "customer_id" = ${pseudonym}`)).toHaveLength(1);
    expect(await rows(sql`select "id" from payments.payment_intents where "customer_id" = ${pseudonym}`)).toHaveLength(1);
    // The rebuild's copy is pseudonymised as the live table is, so swapping it in brings the id back nowhere.
    expect(await rows(sql`select "id" from ordering.order_list__rebuild where "customer_id" = ${customer.userId}`)).toEqual([]);
    expect(await rows(sql`select "id" from ordering.order_list__rebuild where "customer_id" = ${pseudonym}`)).toHaveLength(1);
    await database.db.execute(sql`drop table ordering.order_list__rebuild`);
    const [ledger] = await rows(sql`select (coalesce(sum("debit"), 0) - coalesce(sum("credit"), 0))::int as total from payments.postings`);
    expect(Number(ledger?.total)).toBe(0);
    // Both keys of the customer are shredded: identity's (their profile) and notifications' (their messages).
    for (const schema of ['identity', 'notifications']) {
      const keys = await rows(sql`select "wrapped_key", "shredded_at" from ${sql.identifier(schema)}."data_keys" where "subject" = ${customer.userId}`);
      expect(keys.every((k) => k.wrapped_key === null && k.shredded_at !== null)).toBe(true);
    }
    expect(messages.length).toBeGreaterThan(0);

    // The report: identity and the three modules that erase on the event each confirmed, with what they erased.
    const report = await eventually(async () => {
      const answer = (await (await admin(`/identity/v1/erasures/${erasure.id}`)).json()) as {
        complete: boolean;
        modules: { module: string; status: string; erased: { table: string; rows: number }[] }[];
      };
      expect(answer.complete).toBe(true);
      return answer;
    }, 60_000);
    expect(report.modules.map((m) => `${m.module}:${m.status}`)).toEqual([
      'identity:confirmed',
      'notifications:confirmed',
      'ordering:confirmed',
      'payments:confirmed',
    ]);
    const erasedBy = Object.fromEntries(report.modules.map((m) => [m.module, Object.fromEntries(m.erased.map((e) => [e.table, e.rows]))]));
    expect(erasedBy.payments).toMatchObject({ payment_intents: 1 });
    expect(erasedBy.ordering).toMatchObject({ order_detail: 1, order_list: 1 });
    expect(erasedBy.notifications?.messages).toBe(messages.length);

    // The token held from before the erasure opens nothing new about the person: ordering refuses a cart for them.
    const late = await send('/ordering/v1/carts', { method: 'POST', headers: heldToken });
    expect(late.status).toBe(403);
    expect(((await late.json()) as { code: string }).code).toBe('ordering/customer-erased');
    expect(await rows(sql`select "id" from ordering.carts where "customer_id" = ${customer.userId}`)).toEqual([]);
    // Nor reads anything back: the order (its stream still names the id) and the list.
    const read = await send(`/ordering/v1/orders/${order.orderId}`, { headers: heldToken });
    expect([read.status, ((await read.json()) as { code: string }).code]).toEqual([404, 'ordering/order-not-found']);
    expect(((await (await send('/ordering/v1/orders', { headers: heldToken })).json()) as { items: unknown[] }).items).toEqual([]);

    // Delivered again (at least once delivery): the inboxes make it a no-op.
    const [event] = await rows(sql`select "envelope" from identity.outbox where "aggregate_key" = ${customer.userId} and "name" = 'identity.user-erased'`);
    const handled = async () =>
      rows(sql`select "consumer" from ordering.inbox where "event_id" = ${(event?.envelope as EventEnvelope).id}
      union all select "consumer" from payments.inbox where "event_id" = ${(event?.envelope as EventEnvelope).id}
      union all select "consumer" from notifications.inbox where "event_id" = ${(event?.envelope as EventEnvelope).id}`);
    expect(await handled()).toHaveLength(3);
    await host.bus.publish(event?.envelope as EventEnvelope);
    await new Promise((r) => setTimeout(r, 500));
    expect(await handled()).toHaveLength(3);
    expect(await rows(sql`select "id" from ordering.order_detail where "customer_id" = ${pseudonym}`)).toHaveLength(1);
    expect(await rows(sql`select "module" from identity.erasure_confirmations where "erasure_id" = ${erasure.id}`)).toHaveLength(4);

    // The read models rebuilt from the order streams (which name the customer by id) name the pseudonym, not the id.
    for (const projection of ['order-list', 'order-detail']) {
      expect((await admin(`/ops/projections/ordering/${projection}/rebuild`, { method: 'POST' })).status).toBe(202);
    }
    await eventually(async () => {
      const { items } = (await (await admin('/ops/projections')).json()) as { items: { name: string; rebuild: unknown; rebuiltAt: string | null }[] };
      for (const name of ['order-list', 'order-detail'])
        expect(items.find((p) => p.name === name)).toMatchObject({ rebuild: null, rebuiltAt: expect.any(String) });
    }, 60_000);
    expect(await rows(sql`select "id" from ordering.order_detail where "customer_id" = ${pseudonym}`)).toHaveLength(1);
    expect(await rows(sql`select "id" from ordering.order_list where "customer_id" = ${pseudonym}`)).toHaveLength(1);
    expect((await holding(customer.userId)).filter((c) => !kept.includes(c))).toEqual([]);
  });
});
