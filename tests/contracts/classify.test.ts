import { describe, expect, it } from 'vitest';
import { classifyAsyncApi, classifyOpenApi } from '../../tools/contracts/classify.ts';

type Json = Record<string, unknown>;

const money = { type: 'object', properties: { amount: { type: 'integer', minimum: 0 }, currency: { type: 'string' } }, required: ['amount', 'currency'] };
const product = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' }, price: { $ref: '#/components/schemas/Money' }, status: { type: 'string', enum: ['active', 'archived'] } },
  required: ['id', 'price', 'status'],
};
const createBody = {
  type: 'object',
  properties: { sku: { type: 'string', maxLength: 64 }, status: { type: 'string', enum: ['active', 'archived'] }, weight: { type: 'number' } },
  required: ['sku'],
};

/** An OpenAPI document with one operation per `paths` entry, and Money/Product/CreateProduct schemas (overridable). */
function openapi(paths: Record<string, Json>, schemas: Json = {}): Json {
  return { openapi: '3.1.0', info: { title: 't', version: '1' }, paths, components: { schemas: { Money: money, Product: product, CreateProduct: createBody, ...schemas } } };
}
const ok = (schema: Json = { $ref: '#/components/schemas/Product' }, status = '200') => ({ [status]: { description: 'ok', content: { 'application/json': { schema } } } });
const get = (extra: Json = {}) => ({ get: { responses: ok(), ...extra } });
const post = (extra: Json = {}) => ({
  post: { requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateProduct' } } } }, responses: ok(undefined, '201'), ...extra },
});
const query = (name: string, required: boolean, schema: Json = { type: 'string' }) => ({ name, in: 'query', required, schema });

const v1 = '/catalog/v1/products/{id}';
const v2 = '/catalog/v2/products/{id}';
const list = '/catalog/v1/products';
const base = openapi({ [v1]: get(), [list]: post() });

interface Case {
  name: string;
  before: Json | undefined;
  after: Json | undefined;
  expected: string[];
  now?: Date;
}

const access = (scopes: string[], modules: string[] = []) => ({ 'x-cleave-access': { scopes, modules } });

const openapiCases: Case[] = [
  { name: 'identical documents', before: base, after: base, expected: [] },
  { name: 'a public operation that now needs a token', before: openapi({ [v1]: get() }), after: openapi({ [v1]: get(access(['catalog:read'])) }), expected: [`breaking GET ${v1}: now needs an access token with catalog:read (was public)`] },
  { name: 'a protected operation made public', before: openapi({ [v1]: get(access(['catalog:read'])) }), after: openapi({ [v1]: get() }), expected: [`compatible GET ${v1}: now public`] },
  {
    name: 'a scope more, a module fewer',
    before: openapi({ [v1]: get(access(['catalog:read'], ['ordering', 'billing'])) }),
    after: openapi({ [v1]: get(access(['catalog:read', 'catalog:audit'], ['ordering'])) }),
    expected: [`breaking GET ${v1}: now needs the scope catalog:audit`, `breaking GET ${v1}: no longer admits calls from billing`],
  },
  {
    name: 'a scope fewer, a module more',
    before: openapi({ [v1]: get(access(['catalog:read', 'catalog:audit'])) }),
    after: openapi({ [v1]: get(access(['catalog:read'], ['ordering'])) }),
    expected: [`compatible GET ${v1}: no longer needs the scope catalog:audit`, `compatible GET ${v1}: now admits calls from ordering`],
  },
  {
    name: 'users shut out: only modules admitted',
    before: openapi({ [v1]: get(access(['catalog:read'], ['ordering'])) }),
    after: openapi({ [v1]: get(access([], ['ordering'])) }),
    expected: [`breaking GET ${v1}: now admits only the modules ordering`],
  },
  {
    name: 'any module: users shut out, named modules still admitted',
    before: openapi({ [v1]: get(access([], [])) }),
    after: openapi({ [v1]: get(access([], ['*'])) }),
    expected: [`breaking GET ${v1}: now admits only modules`],
  },
  { name: 'named modules widened to any module', before: openapi({ [v1]: get(access([], ['ordering'])) }), after: openapi({ [v1]: get(access([], ['*'])) }), expected: [`compatible GET ${v1}: now admits calls from any module`] },
  { name: 'any module narrowed to one', before: openapi({ [v1]: get(access([], ['*'])) }), after: openapi({ [v1]: get(access([], ['ordering'])) }), expected: [`breaking GET ${v1}: no longer admits calls from any module`] },
  { name: 'a new contract file lists its operations as new', before: undefined, after: openapi({ [v1]: get() }), expected: [`compatible GET ${v1}: new operation`] },
  { name: 'removed operation', before: base, after: openapi({ [list]: post() }), expected: [`breaking GET ${v1}: operation removed`] },
  { name: 'new operation', before: openapi({ [list]: post() }), after: base, expected: [`compatible GET ${v1}: new operation`] },
  {
    name: 'removed response field, through $ref',
    before: base,
    after: openapi({ [v1]: get(), [list]: post() }, { Money: { ...money, properties: { amount: money.properties.amount }, required: ['amount'] } }),
    expected: [`breaking GET ${v1}: response field "price.currency" removed`, `breaking POST ${list}: response field "price.currency" removed`],
  },
  {
    name: 'new response field',
    before: openapi({ [v1]: get() }),
    after: openapi({ [v1]: get() }, { Product: { ...product, properties: { ...product.properties, name: { type: 'string' } } } }),
    expected: [`compatible GET ${v1}: response field "name" added`],
  },
  {
    name: 'response field no longer required',
    before: openapi({ [v1]: get() }),
    after: openapi({ [v1]: get() }, { Product: { ...product, required: ['id', 'price'] } }),
    expected: [`breaking GET ${v1}: response field "status" may now be absent`],
  },
  {
    name: 'response field type changed',
    before: openapi({ [v1]: get() }),
    after: openapi({ [v1]: get() }, { Money: { ...money, properties: { ...money.properties, amount: { type: 'string' } } } }),
    expected: [`breaking GET ${v1}: response field "price.amount" type changed from integer to string`],
  },
  {
    name: 'response field made nullable (a reader now gets null)',
    before: openapi({ [v1]: get() }),
    after: openapi({ [v1]: get() }, { Product: { ...product, properties: { ...product.properties, id: { type: ['string', 'null'], format: 'uuid' } } } }),
    expected: [`breaking GET ${v1}: response field "id" type widened from string to null|string`],
  },
  {
    name: 'response enum widened',
    before: openapi({ [v1]: get() }),
    after: openapi({ [v1]: get() }, { Product: { ...product, properties: { ...product.properties, status: { type: 'string', enum: ['active', 'archived', 'draft'] } } } }),
    expected: [`compatible GET ${v1}: response field "status" enum value "draft" added`],
  },
  {
    name: 'nullable $ref written as anyOf, unchanged',
    before: openapi({ [v1]: get({ responses: ok({ anyOf: [{ $ref: '#/components/schemas/Product' }, { type: 'null' }] }) }) }),
    after: openapi({ [v1]: get({ responses: ok({ anyOf: [{ $ref: '#/components/schemas/Product' }, { type: 'null' }] }) }) }),
    expected: [],
  },
  {
    name: 'new required query parameter',
    before: openapi({ [v1]: get() }),
    after: openapi({ [v1]: get({ parameters: [query('sort', true)] }) }),
    expected: [`breaking GET ${v1}: query parameter "sort" added (required)`],
  },
  {
    name: 'new optional query parameter',
    before: openapi({ [v1]: get() }),
    after: openapi({ [v1]: get({ parameters: [query('sort', false)] }) }),
    expected: [`compatible GET ${v1}: query parameter "sort" added (optional)`],
  },
  {
    name: 'query parameter becomes required, and its maximum lowered',
    before: openapi({ [v1]: get({ parameters: [query('limit', false, { type: 'integer', maximum: 100 })] }) }),
    after: openapi({ [v1]: get({ parameters: [query('limit', true, { type: 'integer', maximum: 50 })] }) }),
    expected: [`breaking GET ${v1}: query parameter "limit" now required`, `breaking GET ${v1}: query parameter "limit" maximum lowered from 100 to 50`],
  },
  {
    name: 'new required header',
    before: openapi({ [v1]: get() }),
    after: openapi({ [v1]: get({ parameters: [{ name: 'If-Match', in: 'header', required: true, schema: { type: 'string' } }] }) }),
    expected: [`breaking GET ${v1}: header parameter "If-Match" added (required)`],
  },
  { name: 'renamed path parameter is the same operation', before: openapi({ [v1]: get() }), after: openapi({ '/catalog/v1/products/{productId}': get() }), expected: [] },
  {
    name: 'new required and new optional request body fields',
    before: openapi({ [list]: post() }),
    after: openapi({ [list]: post() }, { CreateProduct: { ...createBody, properties: { ...createBody.properties, name: { type: 'string' }, tags: { type: 'array' } }, required: ['sku', 'name'] } }),
    expected: [`breaking POST ${list}: request body field "name" added (required)`, `compatible POST ${list}: request body field "tags" added (optional)`],
  },
  {
    name: 'request enum narrowed, number narrowed to integer, maxLength lowered, pattern added',
    before: openapi({ [list]: post() }),
    after: openapi(
      { [list]: post() },
      {
        CreateProduct: {
          ...createBody,
          properties: { sku: { type: 'string', maxLength: 32, pattern: '^[A-Z]+$' }, status: { type: 'string', enum: ['active'] }, weight: { type: 'integer' } },
        },
      },
    ),
    expected: [
      `breaking POST ${list}: request body field "sku" maxLength lowered from 64 to 32`,
      `breaking POST ${list}: request body field "sku" pattern "^[A-Z]+$" added`,
      `breaking POST ${list}: request body field "status" enum value "archived" removed`,
      `breaking POST ${list}: request body field "weight" type narrowed from number to integer`,
    ],
  },
  {
    name: 'request widened: enum value added, maxLength raised, integer accepted as number',
    before: openapi({ [list]: post() }, { CreateProduct: { ...createBody, properties: { ...createBody.properties, weight: { type: 'integer' } } } }),
    after: openapi(
      { [list]: post() },
      { CreateProduct: { ...createBody, properties: { sku: { type: 'string', maxLength: 128 }, status: { type: 'string', enum: ['active', 'archived', 'draft'] }, weight: { type: 'number' } } } },
    ),
    expected: [
      `compatible POST ${list}: request body field "sku" maxLength raised from 64 to 128`,
      `compatible POST ${list}: request body field "status" enum value "draft" added`,
      `compatible POST ${list}: request body field "weight" type widened from integer to number`,
    ],
  },
  {
    name: 'field removed from a strict request body is rejected when sent; from an open one, ignored',
    before: openapi({ [list]: post() }, { CreateProduct: { ...createBody, additionalProperties: false } }),
    after: openapi({ [list]: post() }, { CreateProduct: { ...createBody, properties: { sku: createBody.properties.sku, status: createBody.properties.status }, additionalProperties: false } }),
    expected: [`breaking POST ${list}: request body field "weight" removed: sending it is now rejected`],
  },
  {
    name: 'field removed from an open request body',
    before: openapi({ [list]: post() }),
    after: openapi({ [list]: post() }, { CreateProduct: { ...createBody, properties: { sku: createBody.properties.sku, status: createBody.properties.status } } }),
    expected: [`compatible POST ${list}: request body field "weight" removed (ignored if sent)`],
  },
  {
    name: 'success status changed from 201 to 200, error status added',
    before: openapi({ [list]: post() }),
    after: openapi({ [list]: post({ responses: { ...ok(), 409: { description: 'conflict' } } }) }),
    expected: [`breaking POST ${list}: success status 201 removed`, `compatible POST ${list}: success status 200 added`, `compatible POST ${list}: error status 409 added`],
  },
  {
    name: 'response header removed',
    before: openapi({ [v1]: get({ responses: { 200: { description: 'ok', headers: { ETag: { schema: { type: 'string' } } } } } }) }),
    after: openapi({ [v1]: get({ responses: { 200: { description: 'ok' } } }) }),
    expected: [`breaking GET ${v1}: response 200 header "ETag" removed`],
  },
  {
    name: 'versioned route: v2 breaks freely while v1 stays as it was',
    before: openapi({ [v1]: get() }),
    after: openapi({ [v1]: get(), [v2]: get({ parameters: [query('sort', true)], responses: ok({ type: 'object', properties: { id: { type: 'integer' } } }) }) }),
    expected: [`compatible GET ${v2}: new version of GET ${v1}`],
  },
  {
    name: 'versioned route: v1 changed in place beside v2 still breaks',
    before: openapi({ [v1]: get() }),
    after: openapi({ [v1]: get({ parameters: [query('sort', true)] }), [v2]: get() }),
    expected: [`breaking GET ${v1}: query parameter "sort" added (required)`, `compatible GET ${v2}: new version of GET ${v1}`],
  },
  {
    name: 'versioned route: v1 removed when v2 arrives breaks',
    before: openapi({ [v1]: get() }),
    after: openapi({ [v2]: get() }),
    expected: [
      `breaking GET ${v1}: operation removed; ${v2} is its new version, but this one must stay beside it until deprecated and past its sunset date`,
      `compatible GET ${v2}: new version of GET ${v1}`,
    ],
  },
  {
    name: 'deprecating an operation',
    before: openapi({ [v1]: get() }),
    after: openapi({ [v1]: get({ deprecated: true, 'x-sunset': '2027-06-30' }) }),
    expected: [`compatible GET ${v1}: deprecated, sunset 2027-06-30`],
  },
  {
    name: 'removing a deprecated operation after its sunset date',
    before: openapi({ [v1]: get({ deprecated: true, 'x-sunset': '2027-06-30' }) }),
    after: openapi({}),
    now: new Date('2027-07-01T00:00:00Z'),
    expected: [`compatible GET ${v1}: operation removed after its sunset date 2027-06-30`],
  },
  {
    name: 'removing a deprecated operation before its sunset date',
    before: openapi({ [v1]: get({ deprecated: true, 'x-sunset': '2027-06-30' }) }),
    after: openapi({}),
    now: new Date('2027-06-29T00:00:00Z'),
    expected: [`breaking GET ${v1}: operation removed before its sunset date 2027-06-30`],
  },
  {
    name: 'recursive schemas are compared without looping',
    before: openapi({ [v1]: get({ responses: ok({ $ref: '#/components/schemas/Node' }) }) }, { Node: { type: 'object', properties: { child: { $ref: '#/components/schemas/Node' }, id: { type: 'string' } }, required: ['id'] } }),
    after: openapi({ [v1]: get({ responses: ok({ $ref: '#/components/schemas/Node' }) }) }, { Node: { type: 'object', properties: { child: { $ref: '#/components/schemas/Node' } } } }),
    expected: [`breaking GET ${v1}: response field "id" removed`],
  },
];

const envelope = (payload: Json) => ({
  type: 'object',
  properties: { id: { type: 'string' }, occurredAt: { type: 'string' }, payload },
  required: ['id', 'occurredAt', 'payload'],
});
const createdV1 = { type: 'object', properties: { productId: { type: 'string' }, price: { type: 'object', properties: { amount: { type: 'integer' }, currency: { type: 'string' } }, required: ['amount', 'currency'] } }, required: ['productId', 'price'] };

interface EventSpec {
  type: string;
  payload?: Json;
  consumer?: string;
}

/** An AsyncAPI 3.0 document shaped as `npm run openapi` writes them: channel, component message, operation by `$ref`. */
function asyncapi(sends: EventSpec[], receives: EventSpec[] = []): Json {
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = {};
  const add = (action: 'send' | 'receive', e: EventSpec) => {
    const id = e.type.replace('@', '.');
    messages[id] = { payload: envelope(e.payload ?? createdV1) };
    channels[id] = { address: e.type, messages: { [id]: { $ref: `#/components/messages/${id}` } } };
    operations[`${action}.${id}${e.consumer ? `.${e.consumer}` : ''}`] = {
      action,
      channel: { $ref: `#/channels/${id}` },
      messages: [{ $ref: `#/channels/${id}/messages/${id}` }],
      ...(e.consumer ? { 'x-consumer': e.consumer } : {}),
    };
  };
  for (const e of sends) add('send', e);
  for (const e of receives) add('receive', e);
  return { asyncapi: '3.0.0', info: { title: 't', version: '1' }, channels, operations, components: { messages } };
}

const created = 'catalog.product-created@v1';
const createdV2 = 'catalog.product-created@v2';
const archived = 'catalog.product-archived@v1';
const withoutCurrency = { ...createdV1, properties: { ...createdV1.properties, price: { type: 'object', properties: { amount: { type: 'integer' } }, required: ['amount'] } } };

const asyncapiCases: Case[] = [
  { name: 'identical documents', before: asyncapi([{ type: created }]), after: asyncapi([{ type: created }]), expected: [] },
  { name: 'removed event', before: asyncapi([{ type: created }, { type: archived }]), after: asyncapi([{ type: created }]), expected: [`breaking event ${archived}: event removed`] },
  { name: 'new event', before: asyncapi([{ type: created }]), after: asyncapi([{ type: created }, { type: archived }]), expected: [`compatible event ${archived}: new event`] },
  {
    name: 'removed event field',
    before: asyncapi([{ type: created }]),
    after: asyncapi([{ type: created, payload: withoutCurrency }]),
    expected: [`breaking event ${created}: event field "payload.price.currency" removed`],
  },
  {
    name: 'changed event field type',
    before: asyncapi([{ type: created }]),
    after: asyncapi([{ type: created, payload: { ...createdV1, properties: { ...createdV1.properties, productId: { type: 'integer' } } } }]),
    expected: [`breaking event ${created}: event field "payload.productId" type changed from string to integer`],
  },
  {
    name: 'new event field',
    before: asyncapi([{ type: created }]),
    after: asyncapi([{ type: created, payload: { ...createdV1, properties: { ...createdV1.properties, sku: { type: 'string' } } } }]),
    expected: [`compatible event ${created}: event field "payload.sku" added`],
  },
  {
    name: 'new event version beside the old one: the escape for a breaking change',
    before: asyncapi([{ type: created }]),
    after: asyncapi([{ type: created }, { type: createdV2, payload: withoutCurrency }]),
    expected: [`compatible event ${createdV2}: new version of catalog.product-created (beside v1)`],
  },
  {
    name: 'new event version replacing the old one breaks',
    before: asyncapi([{ type: created }]),
    after: asyncapi([{ type: createdV2 }]),
    expected: [`breaking event ${created}: event removed; v2 is its new version, but v1 must still be published beside it`, `compatible event ${createdV2}: new version of catalog.product-created (beside v1)`],
  },
  {
    name: 'new event version while the old one changes in place breaks',
    before: asyncapi([{ type: created }]),
    after: asyncapi([{ type: created, payload: withoutCurrency }, { type: createdV2 }]),
    expected: [`breaking event ${created}: event field "payload.price.currency" removed`, `compatible event ${createdV2}: new version of catalog.product-created (beside v1)`],
  },
  {
    name: 'subscriptions coming and going are the consumer\'s business',
    before: asyncapi([], [{ type: archived, consumer: 'inventory:deactivate' }]),
    after: asyncapi([], [{ type: created, consumer: 'inventory:create' }]),
    expected: [`compatible event ${archived}: no longer consumed by inventory:deactivate`, `compatible event ${created}: now consumed by inventory:create`].sort(),
  },
];

const lines = (findings: { severity: string; subject: string; message: string }[]) => findings.map((f) => `${f.severity} ${f.subject}: ${f.message}`);

describe('classifying OpenAPI changes', () => {
  it.each(openapiCases)('$name', ({ before, after, expected, now }) => {
    expect(lines(classifyOpenApi('catalog', before, after, now ? { now } : {}))).toEqual(expected);
  });

  it('include limits the comparison to some paths (the merged document: platform routes only)', () => {
    const findings = classifyOpenApi('platform', openapi({ [v1]: get(), '/ops/x': get() }), openapi({}), { include: (path) => path.startsWith('/ops/') });
    expect(lines(findings)).toEqual(['breaking GET /ops/x: operation removed']);
  });
});

describe('classifying AsyncAPI changes', () => {
  it.each(asyncapiCases)('$name', ({ before, after, expected }) => {
    expect(lines(classifyAsyncApi('catalog', before, after)).sort()).toEqual([...expected].sort());
  });
});
