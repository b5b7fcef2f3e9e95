import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules as allModules } from '../../apps/modules.ts';
import { resultRows } from '../../platform/db/index.ts';
import type { EventEnvelope } from '../../platform/events/index.ts';
import type { Host, HostedModule } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { directCall } from '../support/direct-call.ts';
import { call, eventually, startTestHost } from '../support/test-host.ts';
import { checkpoint, entries, headSeq, verify } from './support.ts';

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/**
 * The audit trail in a host of every module: what identity, the platform's access checks, the operator routes and a
 * module's own auditable action write; entries committed with their action; one gap-free chain under concurrent
 * writers; the operator's query API; and every chain verifying with its checkpoint at the end.
 */
describe.each(testDatabases)('the audit trail of a host on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let productId: string;
  const trail = (module: string) => host.modules.find((m) => m.definition.name === module) as HostedModule;
  const password = async (username: string, secret: string) => {
    const response = await host.app.request('/identity/v1/token', form({ grant_type: 'password', client_id: 'cleave-web', username, password: secret }));
    return { response, body: (await response.json()) as { access_token?: string; refresh_token?: string } };
  };

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startTestHost({ database, modules: allModules, env: { IDENTITY_PASSWORD_GRANT: 'true' } });
    await host.seed();
    const products = (await (await call(host, 'GET', '/catalog/v1/products')).json()) as { items: { id: string }[] };
    productId = (products.items[0] as { id: string }).id;
  }, 60_000);
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  it("records sign-ins (ok and failed), tokens issued, refresh token reuse and key rotations in identity's trail", async () => {
    const ok = await password('sam', 'sam-demo-password');
    expect(ok.response.status).toBe(200);
    const failed = await password('sam', 'not-the-password');
    expect(failed.response.status).toBe(400);
    const refresh = ok.body.refresh_token as string;
    expect((await host.app.request('/identity/v1/token', form({ grant_type: 'refresh_token', client_id: 'cleave-web', refresh_token: refresh }))).status).toBe(
      200,
    );
    expect((await host.app.request('/identity/v1/token', form({ grant_type: 'refresh_token', client_id: 'cleave-web', refresh_token: refresh }))).status).toBe(
      400,
    );
    const rotated = await call(host, 'POST', '/identity/v1/keys/rotate');
    expect(rotated.status).toBe(201);

    const db = database.db;
    const logins = await entries(db, 'identity', 'identity.login');
    const samId = logins.find((e) => e.outcome === 'success')?.actor_user;
    expect(logins.map((e) => [e.outcome, e.detail.method])).toEqual([
      ['success', 'password'],
      ['failure', 'password'],
    ]);
    expect(logins[0]).toMatchObject({ target: samId, actor_client: 'cleave-web', request_id: ok.response.headers.get('x-request-id') });
    // A failed sign-in names the name typed by its blind index only: the trail outlives an erasure of the account.
    expect(logins[1]).toMatchObject({
      target: expect.stringMatching(/^username:[\w-]{43}$/),
      actor_user: null,
      request_id: failed.response.headers.get('x-request-id'),
    });
    expect(JSON.stringify(logins[1])).not.toContain('"sam"');
    const issued = await entries(db, 'identity', 'identity.token-issued');
    expect(issued.map((e) => e.detail.grant)).toEqual(expect.arrayContaining(['client_credentials', 'password', 'refresh_token']));
    expect((await entries(db, 'identity', 'identity.refresh-token-reused'))[0]).toMatchObject({ outcome: 'denied', actor_user: samId });
    expect((await entries(db, 'identity', 'identity.signing-key-rotated'))[0]).toMatchObject({
      outcome: 'success',
      actor_client: 'cleave-admin',
      target: ((await rotated.json()) as { kid: string }).kid,
    });
    // Never a secret: no password, refresh token or access token in any entry.
    const text = JSON.stringify(await entries(db, 'identity'));
    for (const secret of ['sam-demo-password', 'not-the-password', refresh, ok.body.access_token as string]) expect(text).not.toContain(secret);
  });

  it("records refusals, over HTTP and on the direct path, in the refusing module's trail", async () => {
    const customer = (await password('alice', 'alice-demo-password')).body.access_token as string;
    const correlation = randomUUID();
    const anonymous = await call(host, 'GET', `/inventory/v1/stock/${productId}`, undefined, { authorization: '', 'x-correlation-id': correlation });
    expect(anonymous.status).toBe(401);
    const forbidden = await call(host, 'POST', `/inventory/v1/stock/${productId}/receipts`, { quantity: 1 }, { authorization: `Bearer ${customer}` });
    expect(forbidden.status).toBe(403);
    const direct = await directCall(
      host,
      'catalog',
      'POST',
      `/inventory/v1/stock/${productId}/receipts`,
      { quantity: 1 },
      { authorization: `Bearer ${customer}` },
    );
    expect(direct.status).toBe(403);
    const ops = await call(host, 'GET', '/ops/audit/entries?module=inventory', undefined, { authorization: `Bearer ${customer}` });
    expect(ops.status).toBe(403);

    const denied = await eventually(async () => {
      const rows = await entries(database.db, 'inventory', 'platform.access-denied');
      expect(rows).toHaveLength(3);
      return rows;
    }, 30_000);
    expect(denied[0]).toMatchObject({ outcome: 'denied', actor_user: null, correlation_id: correlation, request_id: anonymous.headers.get('x-request-id') });
    expect(denied[0]?.detail).toEqual({ status: 401, code: 'auth/unauthenticated' });
    expect(denied[1]).toMatchObject({ target: `POST /inventory/v1/stock/${productId}/receipts`, actor_client: 'cleave-web', actor_module: null });
    expect(denied[2]).toMatchObject({ actor_module: 'catalog', actor_client: 'cleave-web' });
    expect(denied[2]?.detail).toEqual({ status: 403, code: 'auth/insufficient-scope' });
    // A refusal by a platform route goes to the platform's trail (identity's, when it runs here).
    await eventually(
      async () => expect((await entries(database.db, 'identity', 'platform.access-denied')).map((e) => e.target)).toContain('GET /ops/audit/entries'),
      30_000,
    );
  });

  it("writes a module's auditable action in the action's transaction: a rollback leaves no entry", async () => {
    const received = await call(host, 'POST', `/inventory/v1/stock/${productId}/receipts`, { quantity: 7 });
    expect(received.status).toBe(200);
    const [entry] = (await entries(database.db, 'inventory', 'inventory.stock-received')).filter((e) => e.request_id === received.headers.get('x-request-id'));
    expect(entry).toMatchObject({ target: productId, outcome: 'success', actor_client: 'cleave-admin' });
    expect(entry?.detail.quantity).toBe(7);

    const inventory = trail('inventory');
    const before = await headSeq(database.db, 'inventory');
    await expect(
      inventory.context.transaction(async (tx) => {
        await inventory.audit.record(tx, { action: 'inventory.rolled-back', outcome: 'success' });
        throw new Error('the action failed');
      }),
    ).rejects.toThrow('the action failed');
    expect(await headSeq(database.db, 'inventory')).toBe(before);
    expect(await entries(database.db, 'inventory', 'inventory.rolled-back')).toEqual([]);
  });

  it('records operator actions: an outbox redrive, a dead-letter replay and a discard', async () => {
    const since = new Date(Date.now() - 3_600_000).toISOString();
    expect((await call(host, 'POST', '/ops/events/redrive', { module: 'catalog', since, mode: 'all' })).status).toBe(200);
    const [redrive] = await entries(database.db, 'catalog', 'platform.outbox-redriven');
    expect(redrive).toMatchObject({ outcome: 'success', actor_client: 'cleave-admin', target: 'catalog' });

    const [row] = resultRows<{ envelope: EventEnvelope }>(
      await database.db.execute(sql`select envelope from catalog.outbox where name = 'catalog.product-created' and version = 2 limit 1`),
    );
    const inventory = trail('inventory');
    await inventory.deadLetters.record('inventory:create-stock-item', (row as { envelope: EventEnvelope }).envelope, new Error('a test failure'), 5);
    // Inventory handled that event already, so the letter reads as settled; replayed all the same, a duplicate.
    const [letter] = (await inventory.deadLetters.list()).filter((l) => l.consumer === 'inventory:create-stock-item');
    expect(letter?.replayedAt).not.toBeNull();
    const replayed = await call(host, 'POST', `/ops/dead-letters/${letter?.id}/replay`);
    expect(replayed.status).toBe(200);
    const [replay] = await entries(database.db, 'inventory', 'platform.dead-letter-replayed');
    expect(replay).toMatchObject({ outcome: 'success', target: letter?.id, actor_client: 'cleave-admin', request_id: replayed.headers.get('x-request-id') });
    expect(replay?.detail).toMatchObject({ consumer: 'inventory:create-stock-item', delivery: 'duplicate' });

    // A letter no replay can settle (its consumer runs nowhere): discarded with a reason, which the trail keeps.
    await inventory.deadLetters.record('inventory:retired-handler', (row as { envelope: EventEnvelope }).envelope, new Error('no such consumer'), 1);
    const orphan = (await inventory.deadLetters.list({ pendingOnly: true })).find((l) => l.consumer === 'inventory:retired-handler');
    const stuck = await call(host, 'POST', `/ops/dead-letters/${orphan?.id}/replay`);
    expect(stuck.status).toBe(409);
    expect(await stuck.json()).toMatchObject({
      code: 'events/consumer-not-hosted',
      detail: expect.stringMatching(/^Module inventory has no consumer inventory:retired-handler .*: no replay can settle this letter; discard it/),
    });
    const unexplained = await call(host, 'POST', `/ops/dead-letters/${orphan?.id}/discard`, { reason: '' });
    expect(unexplained.status).toBe(400);
    const discarded = await call(host, 'POST', `/ops/dead-letters/${orphan?.id}/discard`, { reason: 'handler retired in 2.3' });
    expect(discarded.status).toBe(200);
    expect(await discarded.json()).toEqual({ id: orphan?.id, outcome: 'discarded' });
    expect((await inventory.deadLetters.list()).map((l) => l.id)).not.toContain(orphan?.id);
    const [discard] = await entries(database.db, 'inventory', 'platform.dead-letter-discarded');
    expect(discard).toMatchObject({ outcome: 'success', target: orphan?.id, actor_client: 'cleave-admin' });
    expect(discard?.detail).toMatchObject({ consumer: 'inventory:retired-handler', reason: 'handler retired in 2.3' });
    const again = await call(host, 'POST', `/ops/dead-letters/${orphan?.id}/discard`, { reason: 'twice' });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ code: 'events/dead-letter-not-found' });
  });

  it('keeps one gap-free chain under concurrent writers, some of which roll back', async () => {
    const inventory = trail('inventory');
    const before = await headSeq(database.db, 'inventory');
    const results = await Promise.allSettled(
      Array.from({ length: 24 }, (_, i) =>
        inventory.context.transaction(async (tx) => {
          for (let k = 0; k < 3; k++) await inventory.audit.record(tx, { action: 'inventory.concurrent', target: `${i}-${k}`, outcome: 'success' });
          if (i % 4 === 0) throw new Error('rolled back');
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(18);
    expect(await headSeq(database.db, 'inventory')).toBe(before + 18 * 3);
    const report = await verify(host, 'inventory');
    expect(report).toMatchObject({ ok: true, entries: before + 18 * 3 });
  });

  it('lets operators query a trail page by page; 401 without a token, 403 without the operator scope', async () => {
    const first = await call(host, 'GET', '/ops/audit/entries?module=inventory&action=inventory.concurrent&limit=10');
    expect(first.status).toBe(200);
    const page = (await first.json()) as { items: { seq: number; action: string }[]; next: number };
    expect(page.items).toHaveLength(10);
    expect(page.items.every((e) => e.action === 'inventory.concurrent')).toBe(true);
    const second = (await (await call(host, 'GET', `/ops/audit/entries?module=inventory&action=inventory.concurrent&limit=10&before=${page.next}`)).json()) as {
      items: { seq: number }[];
    };
    expect(Math.max(...second.items.map((e) => e.seq))).toBeLessThan(Math.min(...page.items.map((e) => e.seq)));
    expect((await call(host, 'GET', '/ops/audit/entries?module=inventory', undefined, { authorization: '' })).status).toBe(401);
    const staff = (await password('sam', 'sam-demo-password')).body.access_token as string;
    expect((await call(host, 'GET', '/ops/audit/entries?module=inventory', undefined, { authorization: `Bearer ${staff}` })).status).toBe(403);
    expect((await call(host, 'GET', '/ops/audit/entries?module=nowhere')).status).toBe(404);
    // Valid RFC 3339, but not a time the database can compare with: 400 naming the field, not a failed query.
    for (const [param, at] of [
      ['since', '0000-01-01T00:00:00Z'],
      ['until', '0001-01-01T00:30:00+01:00'],
      ['since', '9999-12-31T23:00:00-05:00'],
    ]) {
      const refused = await call(host, 'GET', `/ops/audit/entries?module=inventory&${param}=${encodeURIComponent(at as string)}`);
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([param]);
    }
    expect((await call(host, 'GET', `/ops/audit/entries?module=inventory&since=${encodeURIComponent('0001-01-01T00:00:00Z')}`)).status).toBe(200);
  });

  it('checkpoints every chain through identity, and every chain verifies', async () => {
    for (const m of host.modules) await checkpoint(host, m.definition.name);
    for (const m of host.modules) {
      const report = await verify(host, m.definition.name);
      expect(report.ok, JSON.stringify(report)).toBe(true);
      // A chain this journey wrote to gets its checkpoint; an empty one (the shop's modules audit nothing here) needs none.
      if ((await headSeq(database.db, m.definition.name)) > 0) expect(report.checkpoints).toBeGreaterThan(0);
    }
  });
});
