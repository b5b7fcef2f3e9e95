import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultRows } from '../../../platform/db/index.ts';
import type { Host, HostedModule } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { call, eventually, startTestHost } from '../../../tests/support/test-host.ts';
import { identityModule } from '../../identity/index.ts';
import { orderConfirmed, orderRejected } from '../../ordering/index.ts';
import { paymentRefunded } from '../../payments/index.ts';
import type { MessageDto } from '../contract/messages.schemas.ts';
import { notificationsModule } from '../index.ts';
import { notificationsDeps } from '../infrastructure/notifications-runtime.ts';
import { inbox, messages } from '../infrastructure/schema.ts';
import { orderingStandIn, paymentsStandIn, publish } from './support/publishers.ts';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const line = (name: string, quantity: number, unit: number) => ({
  productId: randomUUID(),
  sku: `SKU-${name.toUpperCase()}`,
  name,
  quantity,
  unitPrice: eur(unit),
});

describe.each(testDatabases)('notifications on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startTestHost({
      database,
      modules: [identityModule, notificationsModule, orderingStandIn, paymentsStandIn],
      env: { IDENTITY_PASSWORD_GRANT: 'true', DATA_KEK: `d1:${randomBytes(32).toString('base64')}` },
    });
    await host.seed();
  });
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  /** A new customer (signed up, so with the customer role) and a token of theirs. */
  async function customer(email?: string): Promise<{ id: string; token: string }> {
    const username = `c-${randomUUID().slice(0, 8)}`;
    const password = 'long enough password';
    const created = await call(host, 'POST', '/identity/v1/users', { username, password, ...(email ? { email } : {}) }, { authorization: '' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const form = new URLSearchParams({ grant_type: 'password', client_id: 'cleave-web', username, password, scope: 'notifications:read' });
    const issued = await host.app.request('/identity/v1/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const { access_token: token } = (await issued.json()) as { access_token: string };
    return { id, token };
  }

  const mailbox = async (token: string) => {
    const response = await call(host, 'GET', '/notifications/v1/messages', undefined, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: MessageDto[] }).items;
  };
  /** The operator's view (the test admin token carries `operator`). */
  const operatorView = async (customerId: string) =>
    (await (await call(host, 'GET', `/notifications/v1/customers/${customerId}/messages`)).json()) as { count: number; items: MessageDto[] };
  /** Waits until the customer's messages are all past `pending`, and `count` of them. */
  const settled = (customerId: string, count = 1) =>
    eventually(async () => {
      const view = await operatorView(customerId);
      expect(view.count).toBe(count);
      expect(view.items.filter((m) => m.status === 'pending')).toEqual([]);
      return view.items;
    }, 20_000);

  it('a confirmed order gives the customer exactly one message listing the lines and the total, read through the API', async () => {
    const ada = await customer('ada@example.org');
    const orderId = randomUUID();
    const envelope = await publish(host, orderConfirmed, {
      orderId,
      customerId: ada.id,
      lines: [line('Widget', 2, 1250), line('Gadget', 1, 999)],
      total: eur(3499),
    });
    await settled(ada.id);
    const [message, ...others] = await mailbox(ada.token);
    expect(others).toEqual([]);
    expect(message).toMatchObject({
      eventId: envelope.id,
      eventName: 'ordering.order-confirmed',
      eventVersion: 1,
      reference: orderId,
      template: 'order-confirmed@1',
      subject: `Your order ${orderId.slice(0, 8)} is confirmed`,
      recipient: 'ada@example.org',
      status: 'delivered',
      failure: null,
    });
    expect(message?.body).toContain('2 × Widget (SKU-WIDGET)  25.00 EUR');
    expect(message?.body).toContain('1 × Gadget (SKU-GADGET)  9.99 EUR');
    expect(message?.body).toContain('Total: 34.99 EUR');
    expect(message?.sentAt).not.toBeNull();
    const one = await call(host, 'GET', `/notifications/v1/messages/${message?.id}`, undefined, { authorization: `Bearer ${ada.token}` });
    expect(await one.json()).toEqual(message);
  });

  it('the same event delivered again, even past the inbox, still makes one message', async () => {
    const bob = await customer('bob@example.org');
    const envelope = await publish(host, orderConfirmed, { orderId: randomUUID(), customerId: bob.id, lines: [line('Widget', 1, 100)], total: eur(100) });
    await settled(bob.id);
    // A re-dispatch after a crash: the bus hands the same event over twice more.
    await host.bus.publish(envelope);
    await host.bus.publish(envelope);
    // A replay after the inbox forgot the event (pruned): the messages table's unique (event, template) holds.
    await database.db.delete(inbox).where(and(eq(inbox.eventId, envelope.id), eq(inbox.consumer, 'notifications:notify-order-confirmed')));
    await host.bus.publish(envelope);
    expect(await database.db.select({ id: inbox.eventId }).from(inbox).where(eq(inbox.eventId, envelope.id))).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    expect((await settled(bob.id)).map((m) => m.eventId)).toEqual([envelope.id]);
    expect(await database.db.select({ id: messages.id }).from(messages).where(eq(messages.eventId, envelope.id))).toHaveLength(1);
  });

  it('a rejected order explains the reason: out of stock, payment declined, or a generic apology', async () => {
    const cleo = await customer('cleo@example.org');
    const reject = (code: string) =>
      publish(host, orderRejected, { orderId: randomUUID(), customerId: cleo.id, total: eur(500), reason: { code, message: `technical detail of ${code}` } });
    const envelopes = [await reject('inventory/insufficient-stock'), await reject('payments/card-declined'), await reject('saga/timeout')];
    const items = await settled(cleo.id, 3);
    const bodyOf = (eventId: string) => items.find((m) => m.eventId === eventId)?.body ?? '';
    expect(items.every((m) => m.subject === 'We could not complete your order' && m.template === 'order-rejected@1')).toBe(true);
    expect(bodyOf(envelopes[0]?.id ?? '')).toContain('out of stock');
    expect(bodyOf(envelopes[1]?.id ?? '')).toContain('Your payment was declined');
    expect(bodyOf(envelopes[2]?.id ?? '')).toContain('Something went wrong on our side');
    for (const m of items) expect(m.body).not.toContain('technical detail');
  });

  it('a refund gives one message with the amount', async () => {
    const dan = await customer('dan@example.org');
    const orderId = randomUUID();
    await publish(host, paymentRefunded, { intentId: randomUUID(), reference: orderId, customerId: dan.id, amount: 700, currency: 'EUR', refundedAmount: 700 });
    const [message] = await settled(dan.id);
    expect(message).toMatchObject({ template: 'payment-refunded@1', reference: orderId, status: 'delivered', subject: 'Your refund is on its way' });
    expect(message?.body).toContain('We have refunded 7.00 EUR');
  });

  it('keeps the address, subject and body sealed at rest: the raw row holds none of them in the clear', async () => {
    const eve = await customer('eve.secret@example.org');
    await publish(host, orderConfirmed, { orderId: randomUUID(), customerId: eve.id, lines: [line('Sextant', 1, 4200)], total: eur(4200) });
    await settled(eve.id);
    const [row] = await database.db.select().from(messages).where(eq(messages.customerId, eve.id));
    const raw = JSON.stringify(row);
    for (const clear of ['eve.secret', 'example.org', 'Sextant', 'Thank you', '42.00']) expect(raw).not.toContain(clear);
    expect(row?.recipient).toMatch(/^f1\./);
    expect(row?.subject).toMatch(/^f1\./);
    expect(row?.body).toMatch(/^f1\./);
  });

  it('a customer reads only their own messages; the operator sees a count and masked addresses', async () => {
    const fay = await customer('fay@example.org');
    const gus = await customer('gus@example.org');
    await publish(host, orderConfirmed, { orderId: randomUUID(), customerId: fay.id, lines: [line('Widget', 1, 100)], total: eur(100) });
    const [fays] = await settled(fay.id);
    expect(await mailbox(gus.token)).toEqual([]);
    const foreign = await call(host, 'GET', `/notifications/v1/messages/${fays?.id}`, undefined, { authorization: `Bearer ${gus.token}` });
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ code: 'notifications/message-not-found' });
    expect(fays?.recipient).toBe('f***@example.org');
    const asCustomer = await call(host, 'GET', `/notifications/v1/customers/${fay.id}/messages`, undefined, { authorization: `Bearer ${fay.token}` });
    expect(asCustomer.status).toBe(403);
    // The same UUID in upper case (RFC 9562 §4: the same id) finds the same messages, and is answered in lower case.
    const shouted = (await (await call(host, 'GET', `/notifications/v1/customers/${fay.id.toUpperCase()}/messages`)).json()) as {
      customerId: string;
      count: number;
    };
    expect([shouted.customerId, shouted.count]).toEqual([fay.id, 1]);
    // A machine client (the test's admin) is nobody's customer: no messages, and none of Fay's.
    expect(await (await call(host, 'GET', '/notifications/v1/messages')).json()).toEqual({ items: [] });
    expect((await call(host, 'GET', `/notifications/v1/messages/${fays?.id}`)).status).toBe(404);
  });

  it('a customer without an address, or unknown to identity, gets one undeliverable record and no delivery', async () => {
    const hal = await customer();
    await publish(host, orderConfirmed, { orderId: randomUUID(), customerId: hal.id, lines: [line('Widget', 1, 100)], total: eur(100) });
    const [message] = await settled(hal.id);
    expect(message).toMatchObject({ status: 'undeliverable', failure: 'no-address', recipient: null, sentAt: null });
    expect((await mailbox(hal.token)).map((m) => m.id)).toEqual([message?.id]);

    const ghost = randomUUID();
    await publish(host, orderRejected, { orderId: randomUUID(), customerId: ghost, total: eur(1), reason: { code: 'x/y', message: 'y' } });
    expect(await settled(ghost)).toEqual([expect.objectContaining({ status: 'undeliverable', failure: 'no-address' })]);
  });

  it('erasing a customer is a key shred: their messages stay counted, with subject, body and address gone', async () => {
    const ivy = await customer('ivy@example.org');
    await publish(host, orderConfirmed, { orderId: randomUUID(), customerId: ivy.id, lines: [line('Widget', 1, 100)], total: eur(100) });
    await settled(ivy.id);
    const notifications = host.modules.find((m) => m.definition.name === 'notifications') as HostedModule;
    const deps = notificationsDeps(notifications.context);
    expect(await deps.transaction((tx) => deps.fields.shred(tx, ivy.id))).toBe(true);
    const [message] = await mailbox(ivy.token);
    expect(message).toMatchObject({ status: 'delivered', subject: null, body: null, recipient: null });
    expect((await operatorView(ivy.id)).count).toBe(1);
    // Nothing new is written about an erased customer: a later event makes no message.
    const later = await publish(host, orderConfirmed, { orderId: randomUUID(), customerId: ivy.id, lines: [line('Widget', 1, 100)], total: eur(100) });
    await eventually(async () => expect(await database.db.select().from(inbox).where(eq(inbox.eventId, later.id))).toHaveLength(1), 20_000);
    expect((await operatorView(ivy.id)).count).toBe(1);
  });

  it('a customer erased before any message about them: an event that comes after makes no message and no key', async () => {
    const jan = await customer('jan@example.org');
    const notifications = host.modules.find((m) => m.definition.name === 'notifications') as HostedModule;
    const deps = notificationsDeps(notifications.context);
    // No key yet (no message): the shred leaves a shredded one, so none is made later.
    expect(await deps.transaction((tx) => deps.fields.shred(tx, jan.id))).toBe(false);
    const later = await publish(host, orderConfirmed, { orderId: randomUUID(), customerId: jan.id, lines: [line('Widget', 1, 100)], total: eur(100) });
    await eventually(async () => expect(await database.db.select().from(inbox).where(eq(inbox.eventId, later.id))).toHaveLength(1), 20_000);
    expect((await operatorView(jan.id)).count).toBe(0);
    const keys = await database.db.execute(sql`select "wrapped_key" from notifications.data_keys where "subject" = ${jan.id}`);
    expect(resultRows(keys)).toEqual([{ wrapped_key: null }]);
  });
});
