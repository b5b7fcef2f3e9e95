import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { call, eventually, startTestHost } from '../../../tests/support/test-host.ts';
import { resultRows } from '../../../platform/db/index.ts';
import { identityModule } from '../../identity/index.ts';
import { orderConfirmed } from '../../ordering/index.ts';
import type { MessageDto } from '../contract/messages.schemas.ts';
import { notificationsModule } from '../index.ts';
import { orderingStandIn, paymentsStandIn, publish } from './support/publishers.ts';
import { startSmtpSink } from './support/smtp-sink.ts';

describe.each(testDatabases)('notifications through SMTP, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;

  beforeAll(async () => {
    sink = await startSmtpSink();
    database = await testDatabase.open();
    host = await startTestHost({
      database,
      modules: [identityModule, notificationsModule, orderingStandIn, paymentsStandIn],
      env: {
        DATA_KEK: `d1:${randomBytes(32).toString('base64')}`,
        NOTIFICATIONS_SENDER: 'smtp',
        NOTIFICATIONS_SMTP_URL: sink.url,
        NOTIFICATIONS_FROM: 'shop@cleave.test',
      },
    });
  });
  afterAll(async () => {
    await host?.stop();
    await database?.close();
    await sink?.close();
  });

  async function customer(email: string): Promise<string> {
    const created = await call(
      host,
      'POST',
      '/identity/v1/users',
      { username: `s-${randomUUID().slice(0, 8)}`, password: 'long enough password', email },
      { authorization: '' },
    );
    return ((await created.json()) as { id: string }).id;
  }
  const delivered = (customerId: string) =>
    eventually(async () => {
      const { items } = (await (await call(host, 'GET', `/notifications/v1/customers/${customerId}/messages`)).json()) as { items: MessageDto[] };
      expect(items.map((m) => m.status)).toEqual(['delivered']);
      return items[0] as MessageDto;
    }, 20_000);
  const order = (customerId: string) => ({
    orderId: randomUUID(),
    customerId,
    lines: [{ productId: randomUUID(), sku: 'SKU-1', name: 'Café crème', quantity: 3, unitPrice: { amount: 250, currency: 'EUR' } }],
    total: { amount: 750, currency: 'EUR' },
  });

  it('sends one mail per event to the customer, its Message-ID the message id', async () => {
    const id = await customer('kim@example.org');
    const payload = order(id);
    await publish(host, orderConfirmed, payload);
    const message = await delivered(id);
    const mails = sink.mails.filter((m) => m.to.includes('kim@example.org'));
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ from: 'shop@cleave.test', to: ['kim@example.org'] });
    expect(mails[0]?.headers).toMatchObject({ 'message-id': `<${message.id}@cleave.test>`, to: 'kim@example.org', from: 'shop@cleave.test' });
    expect(mails[0]?.headers.subject).toBe(`Your order ${payload.orderId.slice(0, 8)} is confirmed`);
    expect(mails[0]?.text).toContain('3 × Café crème (SKU-1)  7.50 EUR');
  });

  it('a relay that refuses for a while gets the mail on a later attempt, once', async () => {
    const id = await customer('lou@example.org');
    sink.state.refuse = 2;
    await publish(host, orderConfirmed, order(id));
    await delivered(id);
    expect(sink.state.refused).toBe(2);
    expect(sink.mails.filter((m) => m.to.includes('lou@example.org'))).toHaveLength(1);
    // The relay named the address in its refusals; the delivery saga recorded them, without it (erasure cannot reach it).
    const recorded = await database.db.execute(
      sql`select (select count(*)::int from notifications.saga_history where detail::text like '%SMTP%') as refusals,
        (select count(*)::int from notifications.saga_history where detail::text like '%lou@%') + (select count(*)::int from notifications.sagas where steps::text like '%lou@%' or last_error like '%lou@%') as addresses`,
    );
    expect(resultRows<{ refusals: number; addresses: number }>(recorded)[0]).toEqual({ refusals: 2, addresses: 0 });
  });
});
