import type { RouteConfig } from '@hono/zod-openapi';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { catalogContract, productArchived, productCreatedV2, productUpdated } from '../../modules/catalog/index.ts';
import { consumedEvent, defineConsumerContract } from '../../platform/contracts/consumer-contract.ts';
import type { Contract } from '../../platform/contracts/index.ts';
import { defineEvent } from '../../platform/events/index.ts';
import { declaredConsumerContracts } from '../../tools/consumer-contracts/declared.ts';
import { recordConsumerContract } from '../../tools/consumer-contracts/record.ts';
import { verifyConsumerContract, type FindingProblem } from '../../tools/consumer-contracts/verify.ts';

const routes = catalogContract.routes;
const product = routes.getProduct.responses[200].content['application/json'].schema;
const page = routes.listProducts.responses[200].content['application/json'].schema;
const query = routes.listProducts.request.query;
const createBody = routes.createProduct.request.body.content['application/json'].schema;
const createdPayload = productCreatedV2.schema;

const inventory = declaredConsumerContracts.find((c) => c.consumer === 'inventory' && c.provider.module === 'catalog');
if (!inventory) throw new Error('inventory declares no consumer contract with catalog');
const record = recordConsumerContract(inventory);

/** A consumer that creates products: sends a nested body and reads nothing of the answer but the id. */
const creator = recordConsumerContract(
  defineConsumerContract({
    consumer: 'importer',
    provider: catalogContract,
    operations: { createProduct: { sends: ['body.name', 'body.price.amount', 'body.price.currency', 'body.sku'], reads: ['id'] } },
  }),
);

/** Catalog's contract with one route replaced (or removed, with `undefined`). */
function withRoute(name: string, route: RouteConfig | undefined): Contract {
  const { [name]: _, ...others } = routes as Record<string, RouteConfig>;
  return { ...catalogContract, routes: route ? { ...others, [name]: route } : others };
}

function answering(route: RouteConfig, schema: z.ZodType): RouteConfig {
  return { ...route, responses: { ...route.responses, 200: { description: 'changed', content: { 'application/json': { schema } } } } };
}

function publishing(...events: Contract['events']): Contract {
  return { ...catalogContract, events };
}

const createdV3 = defineEvent({ name: 'catalog.product-created', version: 3, schema: createdPayload, key: (p) => p.productId });
const createdWithout = (field: 'sku' | 'name') => defineEvent({ name: 'catalog.product-created', version: 2, schema: createdPayload.omit({ [field]: true } as { sku: true }), key: (p) => p.productId });

interface Case {
  change: string;
  provider: Contract;
  /** Problem and field of each finding, or the exact message when one is given. */
  expected: [FindingProblem, string?][];
  message?: string;
  consumer?: typeof record;
}

const cases: Case[] = [
  { change: 'nothing', provider: catalogContract, expected: [] },
  {
    change: 'getProduct no longer returns status, which inventory reads',
    provider: withRoute('getProduct', answering(routes.getProduct, product.omit({ status: true }))),
    expected: [['field-missing', 'status']],
    message: 'inventory needs catalog.getProduct response field "status", which the provider no longer returns',
  },
  { change: 'getProduct no longer returns description, which nobody reads', provider: withRoute('getProduct', answering(routes.getProduct, product.omit({ description: true }))), expected: [] },
  { change: 'getProduct returns a new field', provider: withRoute('getProduct', answering(routes.getProduct, product.extend({ weight: z.number() }))), expected: [] },
  {
    change: 'listProducts requires a new query parameter',
    provider: withRoute('listProducts', { ...routes.listProducts, request: { query: query.extend({ tenant: z.string() }) } }),
    expected: [['input-required', 'query.tenant']],
    message: 'inventory does not send catalog.listProducts input "query.tenant", which the provider now requires',
  },
  { change: 'listProducts takes a new optional query parameter', provider: withRoute('listProducts', { ...routes.listProducts, request: { query: query.extend({ tenant: z.string().optional() }) } }), expected: [] },
  {
    change: 'listProducts no longer takes the status filter inventory sends',
    provider: withRoute('listProducts', { ...routes.listProducts, request: { query: query.omit({ status: true }) } }),
    expected: [['input-rejected', 'query.status']],
  },
  {
    change: 'listProducts filters by fewer statuses than inventory may send',
    provider: withRoute('listProducts', { ...routes.listProducts, request: { query: query.extend({ status: z.enum(['active']).optional() }) } }),
    expected: [['input-incompatible', 'query.status']],
  },
  {
    change: 'status may take a value inventory was not built for',
    provider: withRoute('getProduct', answering(routes.getProduct, product.extend({ status: z.enum(['active', 'archived', 'draft']) }))),
    expected: [['field-incompatible', 'status']],
    message: 'inventory needs catalog.getProduct response field "status" as string one of "active", "archived"; the provider now returns string one of "active", "archived", "draft"',
  },
  { change: 'status takes fewer values', provider: withRoute('getProduct', answering(routes.getProduct, product.extend({ status: z.enum(['active']) }))), expected: [] },
  { change: 'sku becomes nullable', provider: withRoute('getProduct', answering(routes.getProduct, product.extend({ sku: z.string().nullable() }))), expected: [['field-incompatible', 'sku']] },
  { change: 'sku becomes optional', provider: withRoute('getProduct', answering(routes.getProduct, product.extend({ sku: z.string().optional() }))), expected: [['field-optional', 'sku']] },
  {
    change: 'page items become nullable: one finding on items, not on every field under it',
    provider: withRoute('listProducts', answering(routes.listProducts, page.extend({ items: z.array(product).nullable() }))),
    expected: [['field-incompatible', 'items']],
  },
  { change: 'item ids become numbers', provider: withRoute('listProducts', answering(routes.listProducts, page.extend({ items: z.array(product.extend({ id: z.number() })) }))), expected: [['field-incompatible', 'items[].id']] },
  {
    change: 'getProduct moves to v2',
    provider: withRoute('getProduct', { ...routes.getProduct, path: '/catalog/v2/products/{id}' }),
    expected: [['operation-moved']],
    message: 'inventory calls catalog.getProduct as GET /catalog/v1/products/{id}, which the provider now serves as GET /catalog/v2/products/{id}',
  },
  { change: 'getProduct is removed', provider: withRoute('getProduct', undefined), expected: [['operation-missing']] },
  {
    change: 'product-created v2 is dropped for v3',
    provider: publishing(createdV3, productUpdated, productArchived),
    expected: [['event-missing']],
    message: 'inventory consumes catalog.product-created v2, which the provider no longer publishes (it publishes v3)',
  },
  {
    change: 'product-created v2 no longer carries sku, which inventory reads',
    provider: publishing(createdWithout('sku'), productUpdated, productArchived),
    expected: [['field-missing', 'sku']],
    message: 'inventory needs catalog.product-created v2 payload field "sku", which the provider no longer sends',
  },
  { change: 'product-created v2 no longer carries name, which nobody reads', provider: publishing(createdWithout('name'), productUpdated, productArchived), expected: [] },
  { change: 'v3 is added beside v2', provider: publishing(productCreatedV2, createdV3, productUpdated, productArchived), expected: [] },
  {
    change: 'a nested body field becomes required',
    consumer: creator,
    provider: withRoute('createProduct', {
      ...routes.createProduct,
      request: { body: { required: true, content: { 'application/json': { schema: createBody.extend({ price: z.object({ amount: z.number().int(), currency: z.string(), scale: z.number() }) }) } } } },
    }),
    expected: [['input-required', 'body.price.scale']],
  },
  { change: 'a body field gets a default', consumer: creator, provider: withRoute('createProduct', { ...routes.createProduct, request: { body: { required: true, content: { 'application/json': { schema: createBody.extend({ name: z.string().default('x') }) } } } } }), expected: [] },
];

describe('verifying a consumer contract against the provider', () => {
  it.each(cases)('$change', ({ provider, expected, message, consumer = record }) => {
    const findings = verifyConsumerContract(consumer, provider);
    expect(findings.map((f) => [f.problem, ...(f.field === undefined ? [] : [f.field])])).toEqual(expected);
    for (const f of findings) expect(f).toMatchObject({ consumer: consumer.consumer, provider: 'catalog' });
    if (message) expect(findings.map((f) => f.message)).toEqual([message]);
  });

  it('a contract for another provider is refused rather than half-checked', () => {
    expect(() => verifyConsumerContract({ ...record, provider: 'billing' }, catalogContract)).toThrow('not for catalog');
  });
});

describe('recording a declaration', () => {
  it('records the shape of each field as the provider has it now, with the parents of nested reads', () => {
    expect(record.operations.find((o) => o.operation === 'listProducts')).toEqual({
      operation: 'listProducts',
      method: 'GET',
      path: '/catalog/v1/products',
      sends: [
        { path: 'query.limit', type: ['integer'] },
        { path: 'query.status', type: ['string'], enum: ['active', 'archived'] },
      ],
      reads: [
        { path: 'items', type: ['array'] },
        { path: 'items[]', type: ['object'] },
        { path: 'items[].id', type: ['string'], format: 'uuid' },
      ],
    });
  });

  it('a declared field the provider does not have is refused, naming it', () => {
    const stale = { ...inventory, provider: withRoute('getProduct', answering(routes.getProduct, product.omit({ sku: true }))) };
    expect(() => recordConsumerContract(stale)).toThrow('inventory reads catalog.getProduct response field "sku", which the provider does not have.');
    expect(() => defineConsumerContract({ consumer: 'inventory', provider: catalogContract, events: [consumedEvent(createdV3, ['sku'])] })).toThrow('does not publish');
  });
});
