import { describe, expect, it } from 'vitest';
import { leafPaths, watchReads } from '../support/consumers/watch-reads.ts';

const page = () => ({
  items: [
    { id: 'a', price: { amount: 1, currency: 'EUR' }, tags: ['x'] },
    { id: 'b', price: { amount: 2, currency: 'EUR' }, tags: [] },
  ],
  nextCursor: null,
});

function reads<T>(value: T, use: (watched: T) => unknown | Promise<unknown>): Promise<string[]> {
  const seen = new Set<string>();
  return Promise.resolve(use(watchReads(value, (path) => seen.add(path)))).then(() => [...seen].sort());
}

describe('watching which fields are read', () => {
  it('a nested read reports the field and each parent on the way', async () => {
    expect(await reads(page(), (p) => p.items[0]?.price.amount)).toEqual(['items', 'items[]', 'items[].price', 'items[].price.amount']);
  });

  it('iteration, map and destructuring report element fields as items[]', async () => {
    expect(await reads(page(), (p) => { for (const item of p.items) void item.id; })).toEqual(['items', 'items[]', 'items[].id']);
    expect(await reads(page(), (p) => p.items.map(({ price: { currency } }) => currency))).toEqual(['items', 'items[]', 'items[].price', 'items[].price.currency']);
    expect(await reads(page(), (p) => p.items.flatMap((i) => i.tags))).toEqual(['items', 'items[]', 'items[].tags', 'items[].tags[]']);
  });

  it('spreading or serialising an object reads every field of it', async () => {
    expect(await reads({ a: 1, b: { c: 2 } }, (v) => ({ ...v }))).toEqual(['a', 'b']);
    expect(await reads({ a: 1, b: { c: 2 } }, (v) => JSON.stringify(v))).toEqual(['a', 'b', 'b.c']);
  });

  it('a field the value lacks is still reported, and `in` counts as a read', async () => {
    expect(await reads<Record<string, unknown>>({ a: 1 }, (v) => [v.missing, 'other' in v])).toEqual(['missing', 'other']);
  });

  it('awaiting, prototype methods and array length report nothing', async () => {
    expect(await reads(page(), async (p) => [await Promise.resolve(p), p.items.length, p.toString(), Object.keys(p)])).toEqual(['items']);
  });

  it('values are unchanged and a field read twice is the same object', async () => {
    const watched = watchReads(page(), () => undefined);
    expect(watched).toEqual(page());
    expect(watched.items[0]).toBe(watched.items[0]);
    expect(watchReads('plain', () => undefined)).toBe('plain');
  });
});

describe('paths of a call input', () => {
  it('lists leaves, array elements and present fields only', () => {
    expect(leafPaths({ params: { id: 'x' }, query: { status: 'active', limit: 5, tag: ['a', 'b'], cursor: undefined }, body: { price: { amount: 1 } } })).toEqual([
      'params.id',
      'query.status',
      'query.limit',
      'query.tag[]',
      'body.price.amount',
    ]);
    expect(leafPaths({})).toEqual([]);
  });
});
