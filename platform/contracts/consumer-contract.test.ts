import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { defineEvent } from '../events/index.ts';
import { contractRoute } from '../http/index.ts';
import { consumedEvent, defineConsumerContract, joinFieldPath, parseFieldPath } from './consumer-contract.ts';
import { defineContract } from './define-contract.ts';

const item = z.object({ sku: z.string(), quantity: z.number(), lines: z.array(z.object({ id: z.string() })) });
const getItem = contractRoute({
  method: 'get',
  path: '/stock/v1/items/{sku}',
  access: 'public',
  request: { params: z.object({ sku: z.string() }), query: z.object({ fresh: z.boolean().optional() }) },
  responses: { 200: { description: 'The item', content: { 'application/json': { schema: item } } } },
});
const itemMoved = defineEvent({ name: 'stock.item-moved', version: 1, schema: z.object({ sku: z.string(), to: z.object({ bin: z.string() }) }), key: (p) => p.sku });
const itemMovedV2 = defineEvent({ name: 'stock.item-moved', version: 2, schema: itemMoved.schema, key: (p) => p.sku });
const stock = defineContract('stock', { routes: { getItem }, events: [itemMoved] });

describe('defineConsumerContract', () => {
  it('keeps operations and events with their paths, sorted', () => {
    const contract = defineConsumerContract({
      consumer: 'shop',
      provider: stock,
      operations: { getItem: { sends: ['query.fresh', 'params.sku'], reads: ['lines[].id', 'quantity'] } },
      events: [consumedEvent(itemMoved, ['to.bin', 'sku'])],
    });
    expect(contract.operations).toEqual({ getItem: { sends: ['params.sku', 'query.fresh'], reads: ['lines[].id', 'quantity'] } });
    expect(contract.events).toEqual([{ event: itemMoved, reads: ['sku', 'to.bin'] }]);
    expect(contract.provider).toBe(stock);
  });

  it('a misspelt operation or field does not compile, and is refused at run time too', () => {
    // @ts-expect-error -- getItme is not an operation of stock
    expect(() => defineConsumerContract({ consumer: 'shop', provider: stock, operations: { getItme: {} } })).toThrow('shop declares stock.getItme, which is not in stock');
    // @ts-expect-error -- skuu is not a field of the answer
    defineConsumerContract({ consumer: 'shop', provider: stock, operations: { getItem: { reads: ['skuu'] } } });
    // @ts-expect-error -- an input lives under params, query, headers or body
    expect(() => defineConsumerContract({ consumer: 'shop', provider: stock, operations: { getItem: { sends: ['sku'] } } })).toThrow('must start with params');
    // @ts-expect-error -- bin is under to
    consumedEvent(itemMoved, ['bin']);
  });

  it('an event the provider does not publish, a duplicate and a module consuming itself are refused', () => {
    expect(() => defineConsumerContract({ consumer: 'shop', provider: stock, events: [consumedEvent(itemMovedV2, ['sku'])] })).toThrow('shop declares stock.item-moved v2, which stock');
    expect(() => defineConsumerContract({ consumer: 'shop', provider: stock, events: [consumedEvent(itemMoved, ['sku']), consumedEvent(itemMoved, ['sku'])] })).toThrow('twice');
    expect(() => defineConsumerContract({ consumer: 'stock', provider: stock })).toThrow('its own consumer');
    expect(() => defineConsumerContract({ consumer: 'shop', provider: stock, operations: { getItem: { reads: ['sku', 'sku'] } } })).toThrow('twice');
  });
});

describe('field paths', () => {
  it.each([
    ['sku', ['sku']],
    ['items[].id', ['items', '[]', 'id']],
    ['[]', ['[]']],
    ['[].id', ['[]', 'id']],
    ['matrix[][]', ['matrix', '[]', '[]']],
    ['headers.if-match', ['headers', 'if-match']],
  ])('%s has steps %j and joins back', (path, steps) => {
    expect(parseFieldPath(path)).toEqual(steps);
    expect(joinFieldPath(steps)).toBe(path);
  });

  it.each(['', 'a..b', 'a.', '.a', 'a.[]', 'a[0]', 'a[]b'])('"%s" is refused', (path) => {
    expect(() => parseFieldPath(path)).toThrow('is not a field path');
  });
});
