import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { contractRoute, jsonContent } from '../http/index.ts';
import { createClient } from './client.ts';
import { defineContract } from './define-contract.ts';

const item = jsonContent(z.object({ id: z.string() }));
const contract = defineContract('stock', {
  routes: {
    addItem: contractRoute({ method: 'post', path: '/stock/v1/items', access: 'public', request: { body: { content: item, required: true } }, responses: { 201: { description: 'ok', content: item } } }),
    getItem: contractRoute({ method: 'get', path: '/stock/v1/items/{id}', access: 'public', request: { params: z.object({ id: z.string() }) }, responses: { 200: { description: 'ok', content: item } } }),
  },
});

function recording() {
  const seen: Request[] = [];
  const transport = async (_module: string, request: Request) => {
    seen.push(request);
    return new Response(JSON.stringify({ id: 'x' }), { status: request.method === 'POST' ? 201 : 200, headers: { 'content-type': 'application/json' } });
  };
  return { seen, client: createClient(contract, transport, 'catalog') };
}

describe('module clients and Idempotency-Key', () => {
  it('every unsafe call carries a fresh key, so the transport may retry it safely', async () => {
    const { seen, client } = recording();
    await client.addItem({ body: { id: 'a' } });
    await client.addItem({ body: { id: 'a' } });
    const keys = seen.map((r) => r.headers.get('idempotency-key'));
    expect(keys.every((k) => /^[0-9a-f-]{36}$/.test(k ?? ''))).toBe(true);
    expect(new Set(keys).size).toBe(2);
  });

  it('a key the caller chooses is sent as it is, so a retried step replays instead of repeating', async () => {
    const { seen, client } = recording();
    await client.addItem({ body: { id: 'a' } }, { idempotencyKey: 'event-1:reserve' });
    expect(seen[0]?.headers.get('idempotency-key')).toBe('event-1:reserve');
  });

  it('a safe call carries none', async () => {
    const { seen, client } = recording();
    await client.getItem({ params: { id: 'a' } });
    expect(seen[0]?.headers.has('idempotency-key')).toBe(false);
  });
});

describe('defineContract', () => {
  it('refuses a module name every JavaScript object already has as a property (lookups by name would find it)', () => {
    for (const name of ['constructor', 'prototype', 'toString'])
      expect(() => defineContract(name, { routes: {} })).toThrow(`A module cannot be called ${name}: every JavaScript object has that property.`);
    expect(() => defineContract('constructs', { routes: {} })).not.toThrow();
  });
});
