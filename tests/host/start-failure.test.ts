import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../platform/config/index.ts';
import { startFailure } from '../../platform/host/index.ts';

describe('what a host that could not start prints', () => {
  it("adds each cause its message does not already say, without a query's parameters", () => {
    const refused = new Error('relation "stock_items" already exists');
    const failed = new Error('Failed query: create table "inventory"."stock_items" (…)\nparams: alice@example.com', { cause: refused });
    const text = startFailure(new Error('migrating inventory failed', { cause: failed }));
    expect(text).toBe(
      [
        'migrating inventory failed',
        '  caused by: Failed query: create table "inventory"."stock_items" (…)',
        '  caused by: relation "stock_items" already exists',
      ].join('\n'),
    );
    expect(text).not.toContain('alice@example.com');
  });

  it('prints a message that already names its cause once, and a configuration error as it is', () => {
    const cause = new Error('database "shop" does not exist');
    expect(startFailure(new Error(`Cannot reach PostgreSQL: ${cause.message}; check DATABASE_URL.`, { cause }))).toBe(
      'Cannot reach PostgreSQL: database "shop" does not exist; check DATABASE_URL.',
    );
    // A summary that quotes the deepest cause stands for the chain above it (drizzle's "Failed query: select 1").
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const query = new Error('Failed query: select 1\nparams: ', { cause: refused });
    expect(startFailure(new Error(`Cannot reach PostgreSQL at postgres://127.0.0.1:1/x: ${refused.message}; check DATABASE_URL.`, { cause: query }))).toBe(
      'Cannot reach PostgreSQL at postgres://127.0.0.1:1/x: connect ECONNREFUSED 127.0.0.1:1; check DATABASE_URL.',
    );
    const config = new ConfigError([{ variable: 'PORT', message: 'must be a port number' }]);
    expect(startFailure(config)).toBe(config.message);
    expect(startFailure('a string thrown')).toBe('a string thrown');
  });
});
