import { randomUUID } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { checkout, followOrder, signUpCustomer, webClientReady, type Customer, type Send } from '../shop/support/customer.ts';
import { stockedProduct } from '../shop/support/products.ts';
import { canRun, loggedErrors, startShop, type Shop } from '../shop/support/topology.ts';
import { eventually } from '../support/test-host.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';
import { keptAfterErasure, personalColumns } from './personal-columns.ts';

// Erasing a user is consumed by three modules; the consumers' names in the inboxes.
const consumers = ['ordering:erase-customer', 'payments:erase-customer', 'notifications:erase-customer'];

/**
 * Erasure with payments and inventory extracted (the 'split' layout): each process has its own database, and
 * `identity.user-erased` reaches ordering and notifications (in the monolith) and payments (in its own process)
 * through BullMQ on Redis. Every module erases or anonymises what it holds about the customer, in its own database.
 */
const skip = !canRun('split');
const why = skip ? ' (skipped: needs TEST_DATABASE_URL and TEST_REDIS_URL)' : '';

describe(`erasure across processes: payments and inventory extracted, events over BullMQ${why}`, { timeout: processTestTimeoutMs * 2 }, () => {
  let shop: Shop;
  let send: Send;
  let admin: Send;
  let customer: Customer;
  /** One connection per database, by module. */
  const databases = new Map<string, Sql>();

  beforeAll(async () => {
    if (skip) return;
    shop = await startShop('split');
    const monolith = shop.processes[0];
    if (!monolith) throw new Error('no monolith');
    send = (path, init) => fetch(`${shop.entry}${path}`, init);
    admin = (path, init) => monolith.fetch(path, init as RequestInit & { headers?: Record<string, string> });
    // One connection per database, however many modules share it (the server is shared with other suites).
    const byUrl = new Map<string, Sql>();
    for (const m of modules) {
      const url = shop.databaseOf(m.name);
      if (!url) throw new Error(`no database for ${m.name}`);
      if (!byUrl.has(url)) byUrl.set(url, postgres(url, { max: 1, onnotice: () => {} }));
      databases.set(m.name, byUrl.get(url) as Sql);
    }
    await webClientReady(send);
    customer = await signUpCustomer(send);
  }, processTestTimeoutMs);
  afterAll(async () => {
    const errors = loggedErrors(shop);
    if (errors.length > 0) console.log(`errors logged by the processes:\n${errors.slice(0, 20).join('\n')}`);
    await Promise.all([...new Set(databases.values())].map((db) => db.end()));
    await shop?.stop();
  });

  const db = (module: string) => databases.get(module) as Sql;
  /** Every declared personal or subject column, and every dead letter, in every module's own database, holding `needle`. */
  async function holding(needle: string) {
    const found: string[] = [];
    for (const module of modules) {
      const schema = module.name;
      const q = db(schema);
      for (const { table, column } of personalColumns(module)) {
        const [row] = await q`select count(*)::int as n from ${q(schema)}.${q(table)} where ${q(column)}::text ilike ${`%${needle}%`}`;
        if (Number(row?.n) > 0) found.push(`${schema}.${table}.${column}`);
      }
      const [letters] = await q`select count(*)::int as n from ${q(schema)}."dead_letters" where "envelope"::text ilike ${`%${needle}%`}`;
      if (Number(letters?.n) > 0) found.push(`${schema}.dead_letters`);
    }
    return found;
  }

  it.skipIf(skip)('erases or anonymises the customer in every process and database, payments over BullMQ; the keys shredded; handled once each', async () => {
    const product = await stockedProduct(admin, 10, 1500);
    const order = await checkout(send, customer, [{ productId: product.id, quantity: 1 }]);
    expect((await followOrder(send, order)).status).toBe('completed');
    await eventually(async () => {
      const messages = await db('notifications')`select "id" from notifications.messages where "customer_id" = ${customer.userId}`;
      expect(messages.length).toBeGreaterThan(0);
    }, 60_000);
    // A delivery about the customer that payments gave up on stays in its dead letters, in its own database.
    const identity = db('identity');
    const payments = db('payments');
    const [registered] =
      await identity`select "envelope" from identity.outbox where "aggregate_key" = ${customer.userId} and "name" = 'identity.user-registered'`;
    expect(registered).toBeDefined();
    await payments`insert into payments.dead_letters ("id", "event_id", "consumer", "event_name", "event_version", "envelope", "error", "attempts")
      values (${randomUUID()}, ${randomUUID()}, 'payments:probe', 'identity.user-registered', 1, ${payments.json(registered?.envelope)}, 'consumer failed', 3)`;
    // The search finds the customer where each process keeps them: the checks below can fail.
    expect(await holding(customer.userId)).toEqual(
      expect.arrayContaining(['ordering.carts.customer_id', 'payments.payment_intents.customer_id', 'notifications.messages.customer_id']),
    );
    expect(await holding(customer.username)).toEqual(expect.arrayContaining(['identity.users.username', 'payments.dead_letters']));

    const erased = await admin(`/identity/v1/users/${customer.userId}`, { method: 'DELETE' });
    expect(erased.status).toBe(202);
    const erasure = (await erased.json()) as { id: string };

    const kept = keptAfterErasure;
    await eventually(async () => {
      const left = (await holding(customer.userId)).filter((c) => !kept.includes(c));
      expect(left, 'columns still holding the user id after the erasure').toEqual([]);
    }, 90_000);
    expect(await holding(customer.username), 'columns still holding the username after the erasure').toEqual([]);
    // The order (monolith's database) and the payment intent (payments' database) stay under the pseudonym.
    const pseudonym = `erased:${erasure.id}`;
    expect(await db('ordering')`select "id" from ordering.order_detail where "customer_id" = ${pseudonym}`).toHaveLength(1);
    expect(await payments`select "id" from payments.payment_intents where "customer_id" = ${pseudonym}`).toHaveLength(1);
    const [ledger] = await payments`select count(*)::int as n, (coalesce(sum("debit"), 0) - coalesce(sum("credit"), 0))::int as total from payments.postings`;
    expect({ postings: Number(ledger?.n) > 0, unbalanced: Number(ledger?.total) }).toEqual({ postings: true, unbalanced: 0 });
    // Identity's key (the profile) and notifications' key (the messages) of the customer are shredded.
    for (const schema of ['identity', 'notifications']) {
      const q = db(schema);
      const keys = await q`select "wrapped_key", "shredded_at" from ${q(schema)}."data_keys" where "subject" = ${customer.userId}`;
      expect(keys.length, `${schema} data keys of the customer`).toBeGreaterThan(0);
      expect(keys.filter((k) => k.wrapped_key !== null || k.shredded_at === null)).toEqual([]);
    }

    // Each consumer, in its own database, handled the erasure exactly once.
    const [event] =
      await identity`select "envelope"->>'id' as "id" from identity.outbox where "aggregate_key" = ${customer.userId} and "name" = 'identity.user-erased'`;
    expect(event?.id, "identity.user-erased in identity's outbox").toBeDefined();
    for (const consumer of consumers) {
      const module = consumer.split(':')[0] as string;
      const q = db(module);
      const handled = await q`select "consumer" from ${q(module)}.inbox where "event_id" = ${event?.id as string}`;
      expect(
        handled.map((r) => r.consumer),
        `${module}'s inbox`,
      ).toEqual([consumer]);
    }

    // The report: payments confirmed from its own process (a saga calling identity over HTTP with its module token).
    const report = await eventually(async () => {
      const answer = (await (await admin(`/identity/v1/erasures/${erasure.id}`)).json()) as {
        complete: boolean;
        modules: { module: string; status: string; erased: { table: string; rows: number }[] | null }[];
      };
      expect(
        answer.modules.filter((m) => m.status !== 'confirmed').map((m) => m.module),
        'modules yet to confirm',
      ).toEqual([]);
      return answer;
    }, 90_000);
    expect(report.complete).toBe(true);
    expect(report.modules.map((m) => m.module)).toEqual(['identity', 'notifications', 'ordering', 'payments']);
    expect(report.modules.find((m) => m.module === 'payments')?.erased).toEqual(
      expect.arrayContaining([
        { table: 'payment_intents', rows: 1 },
        { table: 'dead_letters', rows: 1 },
      ]),
    );
  });
});
