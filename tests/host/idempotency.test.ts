import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogModule } from '../../modules/catalog/index.ts';
import { resultRows } from '../../platform/db/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { ledgerModule, type LedgerControls } from '../support/ledger/module.ts';
import { call, startTestHost } from '../support/test-host.ts';
import { clientToken, withAdminToken } from '../support/tokens.ts';

describe.each(testDatabases)('Idempotency-Key on $name', (testDatabase) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function ledger(controls: LedgerControls = {}, env: Record<string, string> = {}): Promise<{ host: Host; database: TestDatabaseHandle }> {
    const database = await testDatabase.open();
    const host = await startTestHost({ database, modules: [catalogModule, ledgerModule(controls)], env });
    cleanups.push(
      () => database.close(),
      () => host.stop(),
    );
    return { host, database };
  }
  const add = (host: Host, amount: number, headers: Record<string, string> = {}, query = '') =>
    call(host, 'POST', `/ledger/v1/entries${query}`, { amount }, headers);
  const totals = async (host: Host) => (await (await call(host, 'GET', '/ledger/v1/entries')).json()) as { count: number; total: number };
  const keyRows = async (database: TestDatabaseHandle) =>
    resultRows<{ state: string; response_status: number | null }>(await database.db.execute(sql`select state, response_status from ledger.idempotency_keys`));

  it('the same key and body again replays the stored answer, and the effect happens once', async () => {
    const { host } = await ledger();
    const key = `"${randomUUID()}"`;
    const first = await add(host, 5, { 'idempotency-key': key });
    const again = await add(host, 5, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(await first.json());
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    expect(await totals(host)).toEqual({ count: 1, total: 5 });
    // Another key is another request.
    expect((await add(host, 5, { 'idempotency-key': randomUUID() })).status).toBe(201);
    expect(await totals(host)).toEqual({ count: 2, total: 10 });
  });

  it('a replay carries the stored answer, not the first exchange: its own request id and CORS origin', async () => {
    const { host } = await ledger({}, { CORS_ORIGINS: 'https://a.example,https://b.example' });
    const key = randomUUID();
    const first = await add(host, 5, { 'idempotency-key': key, origin: 'https://a.example' });
    const again = await add(host, 5, { 'idempotency-key': key, origin: 'https://b.example' });
    expect(first.headers.get('access-control-allow-origin')).toBe('https://a.example');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('access-control-allow-origin')).toBe('https://b.example');
    expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
    // A browser script may read the headers it needs to act on: the challenge of a refusal, rate limits, retries.
    const exposed = first.headers.get('access-control-expose-headers')?.split(', ') ?? [];
    expect(exposed).toEqual(expect.arrayContaining(['www-authenticate', 'ratelimit', 'ratelimit-policy', 'retry-after', 'idempotent-replayed']));
    const refused = await add(host, 5, { origin: 'https://a.example', authorization: '' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://a.example');
  });

  it('the same key with another body or query is 422, and changes nothing', async () => {
    const { host } = await ledger();
    const key = randomUUID();
    expect((await add(host, 5, { 'idempotency-key': key })).status).toBe(201);
    for (const reused of [await add(host, 6, { 'idempotency-key': key }), await add(host, 5, { 'idempotency-key': key }, '?again=1')]) {
      expect(reused.status).toBe(422);
      expect(await reused.json()).toMatchObject({ code: 'http/idempotency-key-reused' });
    }
    expect(await totals(host)).toEqual({ count: 1, total: 5 });
  });

  it('the same key with another If-Match is 422: an update from another version is another request', async () => {
    const { host } = await ledger();
    const created = await call(host, 'POST', '/catalog/v1/products', {
      sku: 'IDEM-IF-MATCH',
      name: 'Lamp',
      description: '',
      price: { amount: 100, currency: 'EUR' },
    });
    const { id } = (await created.json()) as { id: string };
    const key = randomUUID();
    const update = (ifMatch: string) =>
      call(host, 'PATCH', `/catalog/v1/products/${id}`, { name: 'Desk lamp' }, { 'idempotency-key': key, 'if-match': ifMatch });
    const first = await update('"v1"');
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"v2"');
    const retried = await update('"v1"');
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    // The client read v2 and meant to change it: replaying the v1 → v2 answer would say its change was made.
    const fromV2 = await update('"v2"');
    expect(fromV2.status).toBe(422);
    expect(await fromV2.json()).toMatchObject({ code: 'http/idempotency-key-reused' });
    expect((await call(host, 'GET', `/catalog/v1/products/${id}`)).headers.get('etag')).toBe('"v2"');
  });

  it('a duplicate while the first is still running is 409; afterwards it replays', async () => {
    let release!: () => void;
    let reached!: () => void;
    const atEffect = new Promise<void>((r) => (reached = r));
    const { host } = await ledger({ reached, pause: new Promise<void>((r) => (release = r)) });
    const key = randomUUID();
    const first = add(host, 7, { 'idempotency-key': key });
    await atEffect;
    const duplicate = await add(host, 7, { 'idempotency-key': key });
    expect(duplicate.status).toBe(409);
    expect(await duplicate.json()).toMatchObject({ code: 'http/idempotency-key-in-use' });
    // When to look again: at the latest when the first request's lock runs out (IDEMPOTENCY_LOCK, 60 s by default).
    expect(Number(duplicate.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(duplicate.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    release();
    expect((await first).status).toBe(201);
    const later = await add(host, 7, { 'idempotency-key': key });
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    expect(await totals(host)).toEqual({ count: 1, total: 7 });
  });

  it('keys are scoped by caller: other credentials, another module or another path are other requests', async () => {
    const { host } = await ledger();
    const key = randomUUID();
    const alice = `Bearer ${await clientToken(host, 'alice', ['catalog:write'])}`;
    const bob = `Bearer ${await clientToken(host, 'bob')}`;
    await add(host, 1, { 'idempotency-key': key, authorization: alice });
    await add(host, 1, { 'idempotency-key': key, authorization: bob });
    // A caller header from a client names nobody: it is the same anonymous-free request as alice's, so it replays.
    const claimed = await add(host, 1, { 'idempotency-key': key, authorization: alice, 'x-cleave-caller': 'inventory' });
    expect(claimed.headers.get('idempotent-replayed')).toBe('true');
    expect(await totals(host)).toEqual({ count: 2, total: 2 });
    const replayed = await add(host, 1, { 'idempotency-key': key, authorization: alice });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    const otherPath = await call(
      host,
      'POST',
      `/catalog/v1/products`,
      { sku: `K-${key.slice(0, 8)}`, name: 'Keyed', price: { amount: 1, currency: 'EUR' } },
      {
        'idempotency-key': key,
        authorization: alice,
      },
    );
    expect(otherPath.status).toBe(201);
  });

  it('a domain error answer is kept and replayed; a validation failure is not, so the corrected request runs', async () => {
    const { host } = await ledger();
    const refusedKey = randomUUID();
    expect((await add(host, -1, { 'idempotency-key': refusedKey })).status).toBe(422);
    const replayed = await add(host, -1, { 'idempotency-key': refusedKey });
    expect(replayed.status).toBe(422);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    const invalidKey = randomUUID();
    const invalid = await call(host, 'POST', '/ledger/v1/entries', { amount: 'ten' }, { 'idempotency-key': invalidKey });
    expect(invalid.status).toBe(400);
    expect(
      (await call(host, 'POST', '/ledger/v1/entries', { amount: 'ten' }, { 'idempotency-key': invalidKey })).headers.get('idempotent-replayed'),
    ).toBeNull();
  });

  it('a domain error inside the effect transaction rolls it back; the error answer is kept and replayed', async () => {
    const { host, database } = await ledger({ refuseInsideTransaction: true });
    const key = randomUUID();
    const first = await add(host, 3, { 'idempotency-key': key });
    expect(first.status).toBe(409);
    expect(await first.json()).toMatchObject({ code: 'ledger/refused' });
    const again = await add(host, 3, { 'idempotency-key': key });
    expect(again.status).toBe(409);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await totals(host)).toEqual({ count: 0, total: 0 });
    expect(await keyRows(database)).toEqual([{ state: 'completed', response_status: 409 }]);
  });

  it('a failure after the effect rolls the effect back and frees the key, so the retry runs once', async () => {
    const controls: LedgerControls = { failAfterEffect: true };
    const { host, database } = await ledger(controls);
    const key = randomUUID();
    expect((await add(host, 3, { 'idempotency-key': key })).status).toBe(500);
    expect(await totals(host)).toEqual({ count: 0, total: 0 });
    expect(await keyRows(database)).toEqual([]);
    controls.failAfterEffect = false;
    expect((await add(host, 3, { 'idempotency-key': key })).status).toBe(201);
    expect(await totals(host)).toEqual({ count: 1, total: 3 });
    expect(await keyRows(database)).toEqual([{ state: 'completed', response_status: 201 }]);
  });

  it('a malformed key is a validation error naming the header', async () => {
    const { host } = await ledger();
    const response = await add(host, 1, { 'idempotency-key': '"unterminated' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ location: 'header', path: 'Idempotency-Key', code: 'invalid_format' }] });
    expect(await totals(host)).toEqual({ count: 0, total: 0 });
  });

  it('a body that breaks off (the client went away) is a 400 with a key as without one: nothing runs, nothing is kept', async () => {
    const { host, database } = await ledger();
    const headers = await withAdminToken({ 'content-type': 'application/json' }, host, (p, init) => host.app.request(p, init));
    const brokenOff = (key?: string) => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"amount"'));
          controller.error(new Error('aborted'));
        },
      });
      // With its length announced, the body limit leaves the body for the route to read, as it does over a socket.
      const init = { method: 'POST', headers: { ...headers, 'content-length': '80', ...(key ? { 'idempotency-key': key } : {}) }, body, duplex: 'half' };
      return host.app.request('/ledger/v1/entries', init as RequestInit);
    };
    for (const key of [randomUUID(), undefined]) {
      const response = await brokenOff(key);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'http/malformed-json', detail: 'The request body could not be read to its end.' });
    }
    expect(await totals(host)).toEqual({ count: 0, total: 0 });
    expect(await keyRows(database)).toEqual([]);
  });

  it('a call to another module after the effect, on one embedded database, still completes and replays', async () => {
    const { host } = await ledger({ callCatalogAfterEffect: true });
    const key = randomUUID();
    const first = await add(host, 4, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const again = await add(host, 4, { 'idempotency-key': key });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await totals(host)).toEqual({ count: 1, total: 4 });
  });

  it('expired keys are forgotten: the key runs again, and pruning deletes them', async () => {
    const { host, database } = await ledger();
    const key = randomUUID();
    await add(host, 2, { 'idempotency-key': key });
    await database.db.execute(sql`update ledger.idempotency_keys set expires_at = now() - interval '1 second'`);
    expect((await add(host, 2, { 'idempotency-key': key })).headers.get('idempotent-replayed')).toBeNull();
    expect(await totals(host)).toEqual({ count: 2, total: 4 });
    await database.db.execute(sql`update ledger.idempotency_keys set expires_at = now() - interval '1 second'`);
    const store = host.modules.find((m) => m.definition.name === 'ledger')?.idempotency;
    expect(await store?.prune()).toBe(1);
    expect(await keyRows(database)).toEqual([]);
  });

  it('keys expire after IDEMPOTENCY_KEY_TTL', async () => {
    const { host, database } = await ledger({}, { IDEMPOTENCY_KEY_TTL: '2h' });
    await add(host, 1, { 'idempotency-key': randomUUID() });
    const [row] = resultRows<{ seconds: number }>(
      await database.db.execute(sql`select extract(epoch from expires_at - created_at)::int as seconds from ledger.idempotency_keys`),
    );
    expect(row?.seconds).toBeGreaterThanOrEqual(7199);
    expect(row?.seconds).toBeLessThanOrEqual(7201);
  });
});

describe.each(testDatabases.filter((d) => d.name === 'postgres'))('Idempotency-Key atomicity on $name', (testDatabase) => {
  it('the answer is stored in the same transaction as the effect: neither is visible before the answer, both after', async () => {
    let release!: () => void;
    let reached!: () => void;
    const atEffect = new Promise<void>((r) => (reached = r));
    const database = await testDatabase.open();
    const host = await startTestHost({ database, modules: [catalogModule, ledgerModule({ reached, pause: new Promise<void>((r) => (release = r)) })] });
    try {
      const pending = call(host, 'POST', '/ledger/v1/entries', { amount: 9 }, { 'idempotency-key': 'atomic-1' });
      await atEffect;
      // Another connection: the entry is written but not committed, and the key is only claimed.
      const seen = async () => ({
        entries: resultRows<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from ledger.entries`))[0]?.n,
        key: resultRows<{ state: string }>(await database.db.execute(sql`select state from ledger.idempotency_keys`))[0]?.state,
      });
      expect(await seen()).toEqual({ entries: 0, key: 'processing' });
      release();
      expect((await pending).status).toBe(201);
      expect(await seen()).toEqual({ entries: 1, key: 'completed' });
    } finally {
      await host.stop();
      await database.close();
    }
  });
});
