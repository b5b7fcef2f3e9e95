import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../support/databases.ts';
import { directCall } from '../support/direct-call.ts';
import { call, eventually, startTestHost } from '../support/test-host.ts';
import type { Host } from '../../platform/host/index.ts';
import type { TestDatabaseHandle } from '../support/databases.ts';

type Send = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Response>;

interface Outcome {
  step: string;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

// The headers a module's answer carries (the rest is the HTTP edge's: security headers, request id, length).
const answerHeaders = ['etag', 'location', 'deprecation', 'sunset', 'link', 'idempotent-replayed', 'retry-after'];
const unknownId = '00000000-0000-4000-8000-000000000000';

/**
 * Every route of catalog and inventory, in success and error cases, as one scenario. `tag` keeps the two runs'
 * SKUs apart on one database; ids, timestamps, request ids and the tag are normalised before comparing.
 */
async function scenario(send: Send, host: Host, tag: string): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const record = async (step: string, method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const response = await send(method, path, body, headers);
    const text = await response.text();
    outcomes.push({
      step,
      status: response.status,
      headers: Object.fromEntries(answerHeaders.flatMap((name) => (response.headers.has(name) ? [[name, response.headers.get(name) as string]] : []))),
      body: text === '' ? undefined : JSON.parse(text),
    });
    return outcomes.at(-1)?.body as Record<string, unknown> | undefined;
  };
  const product = { sku: `${tag}-1`, name: 'Lamp', description: 'Warm light', price: { amount: 4999, currency: 'EUR' } };
  const a = (await record('create', 'POST', '/catalog/v1/products', product))?.id as string;
  await record('create, SKU taken', 'POST', '/catalog/v1/products', product);
  await record('create, invalid fields', 'POST', '/catalog/v1/products', { sku: `${tag}-2`, name: 'a\u0000b', price: { amount: 10.5, currency: 'euro' } });
  await record('create, unknown field', 'POST', '/catalog/v1/products', { ...product, sku: `${tag}-3`, colour: 'red' });
  await record('get', 'GET', `/catalog/v1/products/${a}`);
  await record('get, unknown', 'GET', `/catalog/v1/products/${unknownId}`);
  await record('get, malformed id', 'GET', '/catalog/v1/products/not-a-uuid');
  await record('list by SKU', 'GET', `/catalog/v1/products?sku=${tag}-1`);
  await record('list, page of one', 'GET', `/catalog/v1/products?limit=1&q=${tag}&status=active`);
  await record('list, foreign cursor', 'GET', '/catalog/v1/products?cursor=bm90LWEtY3Vyc29y');
  await record('list, limit 0', 'GET', '/catalog/v1/products?limit=0');
  await record('update', 'PATCH', `/catalog/v1/products/${a}`, { name: 'Lamp 2' }, { 'if-match': '"v1"' });
  await record('update, stale', 'PATCH', `/catalog/v1/products/${a}`, { name: 'Lamp 3' }, { 'if-match': '"v1"' });
  await record('update, no If-Match', 'PATCH', `/catalog/v1/products/${a}`, { name: 'Lamp 3' });
  await record('update, foreign ETag', 'PATCH', `/catalog/v1/products/${a}`, { name: 'Lamp 3' }, { 'if-match': 'W/"x"' });
  await record('archive, stale If-Match', 'POST', `/catalog/v1/products/${a}/archive`, undefined, { 'if-match': '"v1"' });
  await record('archive', 'POST', `/catalog/v1/products/${a}/archive`, undefined, { 'if-match': '"v2"' });
  await record('archive, unknown', 'POST', `/catalog/v1/products/${unknownId}/archive`);
  const key = `"${tag}-key"`;
  const keyed = { ...product, sku: `${tag}-4` };
  const b = (await record('create with a key', 'POST', '/catalog/v1/products', keyed, { 'idempotency-key': key }))?.id as string;
  await record('create, key repeated', 'POST', '/catalog/v1/products', keyed, { 'idempotency-key': key });
  await record('create, key reused', 'POST', '/catalog/v1/products', { ...keyed, name: 'Other' }, { 'idempotency-key': key });
  const updateKey = { 'idempotency-key': `"${tag}-update"` };
  await record('update with a key', 'PATCH', `/catalog/v1/products/${b}`, { name: 'Desk lamp' }, { ...updateKey, 'if-match': '"v1"' });
  await record('update, key repeated', 'PATCH', `/catalog/v1/products/${b}`, { name: 'Desk lamp' }, { ...updateKey, 'if-match': '"v1"' });
  await record('update, key reused from another version', 'PATCH', `/catalog/v1/products/${b}`, { name: 'Desk lamp' }, { ...updateKey, 'if-match': '"v2"' });

  await eventually(async () => expect((await call(host, 'GET', `/inventory/v1/stock/${b}`)).status).toBe(200), 20_000);
  await record('stock', 'GET', `/inventory/v1/stock/${b}`);
  await record('stock, unknown', 'GET', `/inventory/v1/stock/${unknownId}`);
  await record('receive', 'POST', `/inventory/v1/stock/${b}/receipts`, { quantity: 5 }, { 'idempotency-key': `${tag}-receipt` });
  await record('receive, key repeated', 'POST', `/inventory/v1/stock/${b}/receipts`, { quantity: 5 }, { 'idempotency-key': `${tag}-receipt` });
  await record('receive, zero', 'POST', `/inventory/v1/stock/${b}/receipts`, { quantity: 0 });
  await record('receive, archived product', 'POST', `/inventory/v1/stock/${a}/receipts`, { quantity: 1 });
  const r = randomUUID();
  await record('reserve', 'PUT', `/inventory/v1/reservations/${r}`, { productId: b, quantity: 2 });
  await record('reserve, repeated', 'PUT', `/inventory/v1/reservations/${r}`, { productId: b, quantity: 2 });
  await record('reserve, other quantity', 'PUT', `/inventory/v1/reservations/${r}`, { productId: b, quantity: 3 });
  await record('reserve, too many', 'PUT', `/inventory/v1/reservations/${randomUUID()}`, { productId: b, quantity: 100 });
  await record('reservation', 'GET', `/inventory/v1/reservations/${r}`);
  await record('reservation, unknown', 'GET', `/inventory/v1/reservations/${unknownId}`);
  await record('release', 'POST', `/inventory/v1/reservations/${r}/release`);
  await record('release, again', 'POST', `/inventory/v1/reservations/${r}/release`);
  await record('release, unknown', 'POST', `/inventory/v1/reservations/${unknownId}/release`);
  return outcomes;
}

/** Ids become `id1`, `id2`… by first appearance; times, request ids and the run's tag are blanked. */
function normalise(outcomes: Outcome[], tag: string): unknown {
  const ids = new Map<string, string>();
  const withoutRequestIds = outcomes.map((o) => {
    const body = o.body as Record<string, unknown> | undefined;
    return body && typeof body === 'object' && 'requestId' in body ? { ...o, body: { ...body, requestId: '<request id>' } } : o;
  });
  const text = JSON.stringify(withoutRequestIds)
    .replaceAll(tag, '<tag>')
    .replace(/[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}/g, (id) => {
      if (id === unknownId) return id;
      if (!ids.has(id)) ids.set(id, `id${ids.size + 1}`);
      return ids.get(id) as string;
    })
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>');
  return JSON.parse(text);
}

describe.each(testDatabases)('direct in-process calls give what HTTP gives, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startTestHost({ database });
  });
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  it('every catalog and inventory route, success and error cases, result for result', async () => {
    const overHttp = await scenario((m, p, b, h) => call(host, m, p, b, h), host, 'HTTPRUN');
    const direct = await scenario((m, p, b, h) => directCall(host, 'contract-test', m, p, b, h), host, 'DIRECTRUN');
    const expected = normalise(overHttp, 'HTTPRUN');
    expect(normalise(direct, 'DIRECTRUN')).toEqual(expected);
    // The scenario reaches every status it means to: a run that failed early would compare equal and prove nothing.
    const statuses = new Set(overHttp.map((o) => o.status));
    for (const status of [200, 201, 400, 404, 409, 412, 422, 428]) expect(statuses).toContain(status);
    // A key is bound to the request's precondition too: the same update from another version is another request.
    const step = (name: string) => overHttp.find((o) => o.step === name);
    expect(step('update, key repeated')).toMatchObject({ status: 200, headers: { 'idempotent-replayed': 'true' } });
    expect(step('update, key reused from another version')).toMatchObject({ status: 422, body: { code: 'http/idempotency-key-reused' } });
    expect(step('archive, stale If-Match')).toMatchObject({ status: 412, body: { code: 'catalog/version-mismatch' } });
    expect(step('archive')).toMatchObject({ status: 200, body: { status: 'archived', version: 3 } });
  });
});
