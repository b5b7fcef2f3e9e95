import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { describe, expect, it } from 'vitest';
import { checksPass, failingChecks, publicDetail } from './health.ts';

const passing = { name: 'database', check: async () => 'up' };
const failing = { name: 'migrations', check: async () => Promise.reject(new Error('2 migration(s) not applied')) };
const warning = { name: 'event-routing', critical: false, check: async () => Promise.reject(new Error('events for inventory wait')) };

describe('the health a host reports to the registry', () => {
  it('is what /health/ready says: a failing non-critical check is a warning, not a failure', async () => {
    expect(await checksPass([passing])).toBe('pass');
    expect(await checksPass([passing, warning])).toBe('pass');
    expect(await checksPass([passing, warning, failing])).toBe('fail');
  });
});

describe('the detail of a failed check, which /health/ready shows to anyone', () => {
  it("is the database's reason, without the statement or its bound values", async () => {
    const client = new PGlite();
    try {
      // Started before the check runs: its 2 s limit is for the query, not for creating the database.
      await client.waitReady;
      const check = {
        name: 'products',
        check: () =>
          drizzle(client)
            .execute(sql`select * from catalog.products where sku = ${'SECRET-SKU-1'}`)
            .then(() => 'up'),
      };
      const [failed] = await failingChecks([{ module: 'catalog', checks: [check] }]);
      expect(failed).toMatchObject({ module: 'catalog', name: 'products', status: 'fail', detail: 'relation "catalog.products" does not exist' });
    } finally {
      await client.close();
    }
  });

  it('keeps the words of each error down the chain once, and a URL without its password', () => {
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    const wrapped = new Error('Cannot reach PostgreSQL at postgres://app:hunter2@db:5432/shop', { cause: refused });
    expect(publicDetail(new Error('migrations', { cause: wrapped }))).toBe(
      'migrations: Cannot reach PostgreSQL at postgres://app:[redacted]@db:5432/shop: connect ECONNREFUSED 127.0.0.1:5432',
    );
    expect(publicDetail(new Error(`reading: ${refused.message}`, { cause: refused }))).toBe('reading: connect ECONNREFUSED 127.0.0.1:5432');
    expect(publicDetail('no answer')).toBe('no answer');
    expect(publicDetail(new Error('Failed query: select 1\nparams: '))).toBe('failed');
  });
});
