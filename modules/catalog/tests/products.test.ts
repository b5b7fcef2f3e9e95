import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules } from '../../../apps/modules.ts';
import type { Host } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { targetKinds, type Target } from '../../../tests/support/targets.ts';
import { call, startTestHost } from '../../../tests/support/test-host.ts';
import { products } from '../infrastructure/schema.ts';

type ProductBody = { id: string; sku: string; name: string; version: number; status: string; price: { amount: number; currency: string } };
type Page = { items: ProductBody[]; nextCursor: string | null };

describe.each(targetKinds)('catalog contract, $name', (kind) => {
  let target: Target;

  beforeAll(async () => {
    target = await kind.start(['catalog']);
  });
  afterAll(() => target.stop());

  const create = async (overrides: Record<string, unknown> = {}) => {
    const response = await target.call('POST', '/catalog/v1/products', {
      sku: `SKU-${randomUUID().slice(0, 8)}`,
      name: 'Lamp',
      price: { amount: 4999, currency: 'EUR' },
      ...overrides,
    });
    return { response, body: (await response.json()) as ProductBody };
  };

  it('create returns 201 with Location and ETag, and get returns the same product', async () => {
    const { response, body } = await create({ description: 'Warm light' });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`/catalog/v1/products/${body.id}`);
    expect(response.headers.get('etag')).toBe('"v1"');
    expect(body).toMatchObject({ name: 'Lamp', price: { amount: 4999, currency: 'EUR' }, status: 'active', version: 1 });
    const read = await target.call('GET', `/catalog/v1/products/${body.id}`);
    expect(read.headers.get('etag')).toBe('"v1"');
    expect(await read.json()).toEqual(body);
  });

  // Over HTTP only: a module calling another in process has no cache to revalidate (its client sends no If-None-Match),
  // and the direct path answers anything but a 2xx as a problem.
  it.skipIf(kind.name.startsWith('direct'))(
    'a conditional GET with the current ETag (If-None-Match, compared weakly, or *) is 304 with no body; another is 200',
    async () => {
      const { body } = await create();
      const get = (held: string) => target.call('GET', `/catalog/v1/products/${body.id}`, undefined, { 'if-none-match': held });
      for (const held of ['"v1"', 'W/"v1"', '"v0", "v1"', '*']) {
        const unchanged = await get(held);
        expect([unchanged.status, unchanged.headers.get('etag'), await unchanged.text()]).toEqual([304, '"v1"', '']);
      }
      for (const held of ['"v2"', '"x"', 'v1']) expect((await get(held)).status).toBe(200);
    },
  );

  it('a second product with the same SKU is a conflict', async () => {
    const { body } = await create();
    const { response, body: problem } = await create({ sku: body.sku });
    expect(response.status).toBe(409);
    expect(problem).toMatchObject({ code: 'catalog/sku-taken', sku: body.sku });
  });

  it('money must be whole minor units with an ISO currency', async () => {
    const { response, body } = await create({ price: { amount: 10.5, currency: 'euro' } });
    expect(response.status).toBe(400);
    const paths = (body as unknown as { errors: { path: string }[] }).errors.map((e) => e.path).sort();
    expect(paths).toEqual(['price.amount', 'price.currency']);
  });

  type Refusal = { code: string; errors: { location: string; path: string; message: string }[] };
  /** The field errors of a validation problem, as [location, path, message]. */
  const priceErrors = (status: number, body: unknown) => {
    expect([status, (body as Refusal).code]).toEqual([400, 'http/validation-failed']);
    return (body as Refusal).errors.map((e) => [e.location, e.path, e.message]);
  };
  const changePrice = async (id: string, price: unknown) => {
    const response = await target.call('PATCH', `/catalog/v1/products/${id}`, { price }, { 'if-match': '"v1"' });
    return { response, body: (await response.json()) as unknown };
  };

  it('a price in a made-up currency is refused on create and on change, naming the field and what it accepts', async () => {
    const refusal = [['body', 'price.currency', 'price.currency must be an ISO 4217 currency code in use, such as EUR, USD or JPY; got "ZZZ".']];
    const created = await create({ price: { amount: 100, currency: 'ZZZ' } });
    expect(priceErrors(created.response.status, created.body)).toEqual(refusal);
    const { body } = await create();
    const changed = await changePrice(body.id, { amount: 100, currency: 'ZZZ' });
    expect(priceErrors(changed.response.status, changed.body)).toEqual(refusal);
    // XTS is ISO 4217's code for testing and XXX its "no currency": codes, but no money.
    for (const currency of ['XTS', 'XXX', 'eur']) expect((await create({ price: { amount: 100, currency } })).response.status).toBe(400);
    expect(await (await target.call('GET', `/catalog/v1/products/${body.id}`)).json()).toMatchObject({ version: 1, price: { currency: 'EUR' } });
  });

  it("a price above one payment's limit is refused on create and on change, naming the limit", async () => {
    const refusal = [['body', 'price.amount', 'price.amount must be a whole number from 0 to 1000000000; got 1000000001.']];
    const created = await create({ price: { amount: 1_000_000_001, currency: 'EUR' } });
    expect(priceErrors(created.response.status, created.body)).toEqual(refusal);
    const { body } = await create();
    const changed = await changePrice(body.id, { amount: 1_000_000_001, currency: 'EUR' });
    expect(priceErrors(changed.response.status, changed.body)).toEqual(refusal);
    const atLimit = await changePrice(body.id, { amount: 1_000_000_000, currency: 'JPY' });
    expect(atLimit.body).toMatchObject({ version: 2, price: { amount: 1_000_000_000, currency: 'JPY' } });
  });

  it('list pages with a cursor, in creation order, without repeats', async () => {
    const marker = randomUUID().slice(0, 6);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create({ name: `Page ${marker} ${i}` })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/catalog/v1/products?limit=2&q=${marker}${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await target.call('GET', query)).json()) as Page;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it('list filters by status and SKU', async () => {
    const { body: kept } = await create();
    const { body: gone } = await create();
    await target.call('POST', `/catalog/v1/products/${gone.id}/archive`);
    const archived = (await (await target.call('GET', '/catalog/v1/products?status=archived&limit=100')).json()) as Page;
    expect(archived.items.map((p) => p.id)).toContain(gone.id);
    expect(archived.items.map((p) => p.id)).not.toContain(kept.id);
    const bySku = (await (await target.call('GET', `/catalog/v1/products?sku=${kept.sku}`)).json()) as Page;
    expect(bySku.items.map((p) => p.id)).toEqual([kept.id]);
  });

  it('a cursor the API did not issue is rejected', async () => {
    const response = await target.call('GET', '/catalog/v1/products?cursor=bm90LWEtY3Vyc29y');
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: 'catalog/invalid-cursor' });
  });

  it('a forged cursor of 36 hex digits and dashes that is no UUID is 422 catalog/invalid-cursor, not a 500 from the uuid cast', async () => {
    for (const id of ['-'.repeat(36), '01a24521-2012-74bc-bb34-cd645a7b501-', '0'.repeat(34) + '-0']) {
      const response = await target.call('GET', `/catalog/v1/products?cursor=${Buffer.from(id).toString('base64url')}`);
      expect([id, response.status, ((await response.json()) as { code: string }).code]).toEqual([id, 422, 'catalog/invalid-cursor']);
    }
  });

  it('update with the current ETag succeeds and bumps the version', async () => {
    const { body } = await create();
    const response = await target.call('PATCH', `/catalog/v1/products/${body.id}`, { name: 'Desk lamp' }, { 'if-match': '"v1"' });
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"v2"');
    expect(await response.json()).toMatchObject({ name: 'Desk lamp', version: 2 });
  });

  it('a stale If-Match gets 412 and changes nothing', async () => {
    const { body } = await create();
    await target.call('PATCH', `/catalog/v1/products/${body.id}`, { name: 'First writer' }, { 'if-match': '"v1"' });
    const stale = await target.call('PATCH', `/catalog/v1/products/${body.id}`, { name: 'Second writer' }, { 'if-match': '"v1"' });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ code: 'catalog/version-mismatch', currentVersion: 2, expectedVersion: 1 });
    expect(await (await target.call('GET', `/catalog/v1/products/${body.id}`)).json()).toMatchObject({ name: 'First writer', version: 2 });
  });

  it('If-Match compares strongly (RFC 9110 §13.1.1): a weak or foreign ETag is 412, a list passes when one of its tags is current', async () => {
    const { body } = await create();
    const path = `/catalog/v1/products/${body.id}`;
    for (const ifMatch of ['W/"v1"', '"nope"', '"v1-x"', 'W/"v1", W/"v2"']) {
      const refused = await target.call('PATCH', path, { name: 'Weak writer' }, { 'if-match': ifMatch });
      expect(refused.status, ifMatch).toBe(412);
      expect(await refused.json()).toMatchObject({ code: 'catalog/version-mismatch', currentVersion: 1, expectedVersions: [] });
    }
    const listed = await target.call('PATCH', path, { name: 'Listed' }, { 'if-match': '"v7", W/"x", "v1"' });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({ name: 'Listed', version: 2 });
    const stale = await target.call('PATCH', path, { name: 'Stale list' }, { 'if-match': '"v1","v3"' });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ currentVersion: 2, expectedVersions: [1, 3] });
    // Not an entity-tag at all: the header's grammar, a 400 naming it.
    const malformed = await target.call('PATCH', path, { name: 'x' }, { 'if-match': 'v2' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ errors: [{ location: 'header', path: 'if-match' }] });
    expect(await (await target.call('GET', path)).json()).toMatchObject({ name: 'Listed', version: 2 });
  });

  it('of two concurrent writers with the same ETag, exactly one wins', async () => {
    const { body } = await create();
    const results = await Promise.all(
      ['A', 'B', 'C'].map((n) => target.call('PATCH', `/catalog/v1/products/${body.id}`, { name: `Writer ${n}` }, { 'if-match': '"v1"' })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412]);
  });

  it('update without If-Match is 428 Precondition Required naming the header', async () => {
    const { body } = await create();
    const response = await target.call('PATCH', `/catalog/v1/products/${body.id}`, { name: 'x' });
    expect(response.status).toBe(428);
    expect(await response.json()).toMatchObject({ code: 'http/precondition-required', errors: [{ location: 'header', path: 'if-match', code: 'required' }] });
  });

  it('archive is idempotent and an archived product cannot change', async () => {
    const { body } = await create();
    const first = await target.call('POST', `/catalog/v1/products/${body.id}/archive`);
    const second = await target.call('POST', `/catalog/v1/products/${body.id}/archive`);
    expect(await first.json()).toMatchObject({ status: 'archived', version: 2 });
    expect(await second.json()).toMatchObject({ status: 'archived', version: 2 });
    const change = await target.call('PATCH', `/catalog/v1/products/${body.id}`, { name: 'Too late' }, { 'if-match': '*' });
    expect(change.status).toBe(409);
    expect(await change.json()).toMatchObject({ code: 'catalog/product-archived' });
  });

  it('archive with If-Match: a stale ETag is 412 and archives nothing, the current one archives, then any ETag is 200', async () => {
    const { body } = await create();
    const path = `/catalog/v1/products/${body.id}`;
    expect((await target.call('PATCH', path, { name: 'Changed meanwhile' }, { 'if-match': '"v1"' })).status).toBe(200);
    const stale = await target.call('POST', `${path}/archive`, undefined, { 'if-match': '"v1"' });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ code: 'catalog/version-mismatch' });
    expect(await (await target.call('GET', path)).json()).toMatchObject({ status: 'active', version: 2 });
    const malformed = await target.call('POST', `${path}/archive`, undefined, { 'if-match': 'v2' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ errors: [expect.objectContaining({ location: 'header', path: 'if-match' })] });
    const archived = await target.call('POST', `${path}/archive`, undefined, { 'if-match': '"v7", "v2"' });
    expect(archived.status).toBe(200);
    expect(archived.headers.get('etag')).toBe('"v3"');
    expect(await archived.json()).toMatchObject({ status: 'archived', version: 3 });
    // The change asked for is already made: a retry with the ETag it was sent with answers 200, as without If-Match.
    const again = await target.call('POST', `${path}/archive`, undefined, { 'if-match': '"v2"' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: 'archived', version: 3 });
  });

  it.each([
    ['U+0000', 'Desk\u0000lamp', 'must not contain U+0000'],
    ['a lone surrogate', 'Desk\ud800lamp', 'unpaired UTF-16 surrogate'],
    ['a byte order mark', '\ufeffDesk lamp', 'U+FEFF'],
    ['surrounding whitespace', '  Desk lamp ', 'must not start or end with whitespace'],
    ['only whitespace', '   ', 'must not start or end with whitespace'],
  ])('a name holding %s is refused naming the field, never stored altered', async (_, name, message) => {
    const { response, body } = await create({ name });
    expect(response.status).toBe(400);
    expect((body as unknown as { errors: unknown[] }).errors).toEqual([
      expect.objectContaining({ location: 'body', path: 'name', message: expect.stringContaining(message) }),
    ]);
  });

  it('a name is stored exactly as sent: combining marks, emoji, inner spaces', async () => {
    const name = 'Cafe\u0301 😀  lamp';
    const { response, body } = await create({ name, description: ' text with spaces \n' });
    expect(response.status).toBe(201);
    const read = (await (await target.call('GET', `/catalog/v1/products/${body.id}`)).json()) as ProductBody & { description: string };
    expect(read.name).toBe(name);
    expect(read.description).toBe(' text with spaces \n');
  });

  it('any UUID is an id: a version-0 one reads as not found, not as malformed', async () => {
    const response = await target.call('GET', '/catalog/v1/products/00000000-0000-0000-0000-000000000001');
    expect(response.status).toBe(404);
  });

  it('?sku=a%00b and ?q=a%00b are refused naming the parameter', async () => {
    for (const name of ['sku', 'q']) {
      const response = await target.call('GET', `/catalog/v1/products?${name}=a%00b`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ errors: [{ location: 'query', path: name, code: 'invalid_characters' }] });
    }
  });

  it('an empty change is refused saying what may change', async () => {
    const { body } = await create();
    const response = await target.call('PATCH', `/catalog/v1/products/${body.id}`, {}, { 'if-match': '"v1"' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      errors: [{ location: 'body', path: '', message: 'The request body must name at least one field to change: sku, name, description or price.' }],
    });
  });

  it('an unknown product is a 404 problem', async () => {
    const response = await target.call('GET', `/catalog/v1/products/${randomUUID()}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'catalog/product-not-found' });
  });
});

describe.each(testDatabases)('catalog rows stored before the money rules, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startTestHost({ database, modules: modules.filter((m) => m.name === 'catalog') });
  });
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  it('a price in a retired currency or above the limit still reads, and the product can still be renamed', async () => {
    const created = await call(host, 'POST', '/catalog/v1/products', {
      sku: `OLD-${randomUUID().slice(0, 8)}`,
      name: 'Lamp',
      price: { amount: 100, currency: 'EUR' },
    });
    const { id } = (await created.json()) as ProductBody;
    await database.db.update(products).set({ priceAmount: 4_503_599_627_370_497, priceCurrency: 'ZZZ' }).where(eq(products.id, id));
    const read = await call(host, 'GET', `/catalog/v1/products/${id}`);
    expect([read.status, ((await read.json()) as ProductBody).price]).toEqual([200, { amount: 4_503_599_627_370_497, currency: 'ZZZ' }]);
    const listed = (await (await call(host, 'GET', '/catalog/v1/products?limit=100')).json()) as Page;
    expect(listed.items.find((p) => p.id === id)?.price).toEqual({ amount: 4_503_599_627_370_497, currency: 'ZZZ' });
    const renamed = await call(host, 'PATCH', `/catalog/v1/products/${id}`, { name: 'Old lamp' }, { 'if-match': '"v1"' });
    expect([renamed.status, await renamed.json()]).toEqual([
      200,
      expect.objectContaining({ name: 'Old lamp', price: { amount: 4_503_599_627_370_497, currency: 'ZZZ' } }),
    ]);
  });
});
