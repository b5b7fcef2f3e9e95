import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { type DatabaseHandle } from '../../platform/db/index.ts';
import type { ConsumerContract } from '../../platform/contracts/consumer-contract.ts';
import type { Host } from '../../platform/host/index.ts';
import { declaredConsumerContracts } from '../../tools/consumer-contracts/declared.ts';
import { undeclaredDependencies, undeclaredUses, unusedDeclarations } from '../support/consumers/coverage.ts';
import { instrumentModule } from '../support/consumers/instrument-module.ts';
import type { UsageLog } from '../support/consumers/usage-log.ts';
import { call, eventually, startTestHost } from '../support/test-host.ts';
import { openTestPglite } from '../support/pglite-image.ts';

/**
 * How each consuming module's real use cases are driven, through the host's public API: every path that calls
 * another module or handles its events. A module with a consumer contract needs one.
 */
/**
 * An erasure of a new user, asked of identity: every module holding customers consumes `identity.user-erased`,
 * erases, and confirms its part to identity (a saga); waits until all have.
 */
async function publishErasure(host: Host): Promise<void> {
  const signedUp = await call(host, 'POST', '/identity/v1/users', { username: `era-${randomUUID().slice(0, 8)}`, password: 'long enough password' }, { authorization: '' });
  const { id: userId } = (await signedUp.json()) as { id: string };
  const erasure = (await (await call(host, 'DELETE', `/identity/v1/users/${userId}`)).json()) as { id: string };
  await eventually(async () => expect(await (await call(host, 'GET', `/identity/v1/erasures/${erasure.id}`)).json()).toMatchObject({ complete: true }), 30_000);
}

const scenarios: Record<string, (host: Host) => Promise<void>> = {
  async inventory(host) {
    // Catalog's demo products announce themselves; inventory's seed pages through active products and receives
    // stock of each, which asks catalog for the product.
    await host.seed();
    const created = await call(host, 'POST', '/catalog/v1/products', { sku: `REC-${randomUUID().slice(0, 8)}`, name: 'Recorded', price: { amount: 100, currency: 'EUR' } });
    const { id } = (await created.json()) as { id: string };
    await eventually(async () => expect((await call(host, 'GET', `/inventory/v1/stock/${id}`)).status).toBe(200));
    expect((await call(host, 'POST', `/inventory/v1/stock/${id}/receipts`, { quantity: 3 })).status).toBe(200);
    // A new SKU reaches inventory through catalog.product-updated.
    const sku = `REN-${randomUUID().slice(0, 8)}`;
    expect((await call(host, 'PATCH', `/catalog/v1/products/${id}`, { sku }, { 'if-match': '"v1"' })).status).toBe(200);
    await eventually(async () => expect(await (await call(host, 'GET', `/inventory/v1/stock/${id}`)).json()).toMatchObject({ sku }));
    expect((await call(host, 'POST', `/catalog/v1/products/${id}/archive`)).status).toBe(200);
    await eventually(async () => expect(await (await call(host, 'GET', `/inventory/v1/stock/${id}`)).json()).toMatchObject({ active: false }));
    // An archived product is refused after catalog answers; only its status is read then.
    expect((await call(host, 'POST', `/inventory/v1/stock/${id}/receipts`, { quantity: 1 })).status).toBe(409);
  },
  async ordering(host) {
    // A customer fills a cart (catalog is asked for each product) and checks out twice: one order completes (reserve,
    // authorize, capture, commit), one is declined (an amount ending in 13: void, release).
    await host.seed();
    const form = { grant_type: 'password', client_id: 'cleave-web', username: 'alice', password: 'alice-demo-password' };
    const granted = await host.app.request('/identity/v1/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    const alice = { authorization: `Bearer ${((await granted.json()) as { access_token: string }).access_token}` };
    const checkout = async (price: number, outcome: string) => {
      const created = await call(host, 'POST', '/catalog/v1/products', { sku: `ORD-${randomUUID().slice(0, 8)}`, name: 'Recorded', price: { amount: price, currency: 'EUR' } });
      const { id } = (await created.json()) as { id: string };
      await eventually(async () => expect((await call(host, 'GET', `/inventory/v1/stock/${id}`)).status).toBe(200));
      expect((await call(host, 'POST', `/inventory/v1/stock/${id}/receipts`, { quantity: 3 })).status).toBe(200);
      const cart = (await (await call(host, 'POST', '/ordering/v1/carts', undefined, alice)).json()) as { id: string };
      expect((await call(host, 'PUT', `/ordering/v1/carts/${cart.id}/lines/${id}`, { quantity: 1 }, alice)).status).toBe(200);
      const { href } = (await (await call(host, 'POST', `/ordering/v1/carts/${cart.id}/checkout`, undefined, alice)).json()) as { href: string };
      await eventually(async () => expect(await (await call(host, 'GET', href, undefined, alice)).json()).toMatchObject({ status: outcome }), 30_000);
    };
    await checkout(1250, 'completed');
    await checkout(1013, 'rejected');
    await publishErasure(host);
  },
  async payments(host) {
    await publishErasure(host);
  },
  async notifications(host) {
    // A customer with an address gets a message per order and payment event (published straight to the bus, so every
    // event notifications consumes is recorded, the refund too); each delivery asks identity where to write.
    const signedUp = await call(host, 'POST', '/identity/v1/users', { username: `rec-${randomUUID().slice(0, 8)}`, password: 'long enough password', email: 'rec@example.org' }, { authorization: '' });
    const { id: customerId } = (await signedUp.json()) as { id: string };
    const orderId = randomUUID();
    const eur = (amount: number) => ({ amount, currency: 'EUR' });
    const events: [string, unknown][] = [
      ['ordering.order-confirmed', { orderId, customerId, lines: [{ productId: randomUUID(), sku: 'REC-1', name: 'Recorded', quantity: 1, unitPrice: eur(100) }], total: eur(100) }],
      ['ordering.order-rejected', { orderId: randomUUID(), customerId, total: eur(100), reason: { code: 'payments/card-declined', message: 'declined' } }],
      ['payments.payment-refunded', { intentId: randomUUID(), reference: orderId, customerId, amount: 100, currency: 'EUR', refundedAmount: 100 }],
    ];
    for (const [name, payload] of events) {
      const id = randomUUID();
      await host.bus.publish({ id, name, version: 1, occurredAt: new Date().toISOString(), key: orderId, correlationId: id, causationId: null, traceparent: null, payload });
    }
    await eventually(async () => {
      const { items } = (await (await call(host, 'GET', `/notifications/v1/customers/${customerId}/messages`)).json()) as { items: { status: string }[] };
      expect(items.map((m) => m.status)).toEqual(['delivered', 'delivered', 'delivered']);
    }, 20_000);
    await publishErasure(host);
  },
};

const consumers = [...new Set(declaredConsumerContracts.map((c) => c.consumer))].sort();

describe('consumer contracts cover what the code does', () => {
  const log: UsageLog = new Map();
  let database: DatabaseHandle;
  let host: Host;

  beforeAll(async () => {
    database = await openTestPglite();
    host = await startTestHost({ database, modules: modules.map((m) => instrumentModule(m, log)), env: { IDENTITY_PASSWORD_GRANT: 'true' } });
    for (const consumer of consumers) await scenarios[consumer]?.(host);
  });
  afterAll(async () => {
    await host.stop();
    await database.close();
  });

  it('every module that uses another declares a consumer contract for it, with every event it subscribes to', () => {
    expect(undeclaredDependencies(modules, declaredConsumerContracts)).toEqual([]);
  });

  it('every module with a consumer contract has a recording scenario here', () => {
    expect(consumers.filter((c) => !scenarios[c]).map((c) => `${c} has a consumer contract but no recording scenario`)).toEqual([]);
  });

  it('every operation called, input sent, response field and payload field read is declared', () => {
    expect(log.get('inventory')?.get('catalog')?.operations.size).toBeGreaterThan(0);
    expect(undeclaredUses(log, declaredConsumerContracts)).toEqual([]);
  });

  it('everything declared was used by the recorded run, so no declaration holds a provider back for nothing', () => {
    expect(unusedDeclarations(log, declaredConsumerContracts)).toEqual([]);
  });

  describe('the checks fail when they should', () => {
    const says = "which inventory's consumer contract with catalog does not declare";
    /** The run's record of inventory alone: the fixtures below change inventory's declaration only. */
    const inventoryLog = (): UsageLog => new Map([...log].filter(([consumer]) => consumer === 'inventory'));

    /** A declaration of exactly what the run recorded for inventory and catalog, to take things out of. */
    function asRecorded(): ConsumerContract {
      const real = declaredConsumerContracts.find((c) => c.consumer === 'inventory' && c.provider.module === 'catalog') as ConsumerContract;
      const usage = log.get('inventory')?.get('catalog');
      if (!usage) throw new Error('the run recorded nothing of inventory using catalog');
      const operations = Object.fromEntries([...usage.operations].map(([name, u]) => [name, { sends: [...u.sends], reads: [...u.reads] }]));
      const events = real.provider.events.flatMap((event) => {
        const reads = usage.events.get(`${event.name}@v${event.version}`);
        return reads ? [{ event, reads: [...reads] }] : [];
      });
      return { ...real, operations, events };
    }

    /** An operation the run called that sends and reads, with a leaf it read and one it sent. */
    function picked() {
      const entry = Object.entries(asRecorded().operations).find(([, o]) => o.reads.length > 0 && o.sends.length > 0);
      if (!entry) throw new Error('the run called no operation that sends and reads');
      const [operation, used] = entry;
      // The last in order is a leaf: a parent sorts before the paths under it.
      return { operation, used, read: [...used.reads].sort().at(-1) ?? '', sent: [...used.sends].sort().at(-1) ?? '' };
    }

    it('the recorded run is covered by a declaration of exactly what it did', () => {
      expect(undeclaredUses(inventoryLog(), [asRecorded()])).toEqual([]);
      expect(unusedDeclarations(inventoryLog(), [asRecorded()])).toEqual([]);
    });

    it('a response field the code reads but the declaration leaves out is named', () => {
      const { operation, used, read } = picked();
      const full = asRecorded();
      const short = { ...full, operations: { ...full.operations, [operation]: { ...used, reads: used.reads.filter((r) => r !== read) } } };
      expect(undeclaredUses(inventoryLog(), [short])).toEqual([`inventory reads catalog.${operation} response field "${read}", ${says}`]);
    });

    it('an input the code sends but the declaration leaves out is named', () => {
      const { operation, used, sent } = picked();
      const full = asRecorded();
      const short = { ...full, operations: { ...full.operations, [operation]: { ...used, sends: used.sends.filter((p) => p !== sent) } } };
      expect(undeclaredUses(inventoryLog(), [short])).toEqual([`inventory sends catalog.${operation} input "${sent}", ${says}`]);
    });

    it('an operation called and an event consumed that are not declared are named', () => {
      const { operation } = picked();
      const full = asRecorded();
      const { [operation]: _, ...others } = full.operations;
      const [first] = full.events;
      expect(undeclaredUses(inventoryLog(), [{ ...full, operations: others }])).toContain(`inventory calls catalog.${operation}, ${says}`);
      expect(undeclaredUses(inventoryLog(), [{ ...full, events: full.events.slice(1) }])).toContain(`inventory consumes ${first?.event.name} v${first?.event.version}, ${says}`);
    });

    it('a payload field the handler reads but the declaration leaves out is named', () => {
      const full = asRecorded();
      const [first, ...rest] = full.events;
      if (!first) throw new Error('the run handled no event');
      const field = [...first.reads].sort().at(-1);
      const short = { ...full, events: [{ ...first, reads: first.reads.filter((r) => r !== field) }, ...rest] };
      expect(undeclaredUses(inventoryLog(), [short])).toEqual([`inventory reads ${first.event.name} v${first.event.version} payload field "${field}", ${says}`]);
    });

    it('use of a provider without any consumer contract is named', () => {
      const { operation } = picked();
      expect(undeclaredUses(inventoryLog(), [])).toContain(`inventory uses catalog.${operation} but declares no consumer contract with catalog`);
      expect(undeclaredDependencies(modules, [])).toContain(
        'inventory uses catalog but declares no consumer contract with it (modules/inventory/contract/consumes.ts, listed in tools/consumer-contracts/declared.ts)',
      );
    });

    it('a declared field the code never reads is named', () => {
      const { operation, used } = picked();
      const full = asRecorded();
      const long = { ...full, operations: { ...full.operations, [operation]: { ...used, reads: [...used.reads, 'never.read'] } } };
      expect(unusedDeclarations(inventoryLog(), [long])).toEqual([`inventory declares it reads catalog.${operation} response field "never.read", but the recorded run of inventory never did`]);
    });
  });
});
