import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/support/temp-dir.ts';
import { ConfigError, loadConfig } from './load-config.ts';

const dir = tempDir('secrets');
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const errorOf = (env: Record<string, string>): ConfigError => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('secret settings from files', () => {
  it('read DATABASE_URL, REDIS_URL and a module database URL from their _FILE variables', () => {
    const config = loadConfig({
      DATABASE_URL_FILE: file('database-url', 'postgres://app:file-password@db:5432/cleave\n'),
      REDIS_URL_FILE: file('redis-url', 'redis://:redis-file-password@cache:6379'),
      INVENTORY_DATABASE_URL_FILE: file('inventory-url', 'postgres://inv:inventory-password@db2/inventory\n'),
      ORDER_HISTORY_DATABASE_URL: 'postgres://h:history-password@db3/history',
    });
    expect(config.database.url).toBe('postgres://app:file-password@db:5432/cleave');
    expect(config.redis.url).toBe('redis://:redis-file-password@cache:6379');
    expect(config.database.moduleUrls).toEqual({
      inventory: 'postgres://inv:inventory-password@db2/inventory',
      'order-history': 'postgres://h:history-password@db3/history',
    });
  });

  it("read a module's own client secret from <MODULE>_CLIENT_SECRET(_FILE), only for a module this host runs", () => {
    const secret = 'lqBISbJwcOy8CZA0BTv6T7G_Sab5DcF5CmHNS3-3D3E';
    const config = loadConfig({ MODULES: 'inventory', INVENTORY_CLIENT_SECRET_FILE: file('inventory-secret', `${secret}\n`) });
    expect(config.identity.moduleClientSecrets).toEqual({ inventory: secret });
    const elsewhere = errorOf({ MODULES: 'inventory', CATALOG_CLIENT_SECRET: secret });
    expect(elsewhere.message).toContain('CATALOG_CLIENT_SECRET: catalog does not run on this host');
    expect(elsewhere.message).not.toContain(secret);
    const short = errorOf({ INVENTORY_CLIENT_SECRET: 'too-short-to-be-one' });
    expect(short.message).toContain('INVENTORY_CLIENT_SECRET: must be');
    expect(short.message).not.toContain('too-short-to-be-one');
  });

  it('refuse a variable set both ways, or a file that cannot be read, naming the variable', () => {
    const both = errorOf({ DATABASE_URL: 'postgres://a@b/c', DATABASE_URL_FILE: file('both', 'postgres://a@b/c') });
    expect(both.message).toContain('DATABASE_URL_FILE: set DATABASE_URL or DATABASE_URL_FILE, not both');
    expect(errorOf({ INVENTORY_DATABASE_URL_FILE: '/nonexistent/url' }).message).toContain(
      'INVENTORY_DATABASE_URL_FILE: cannot read /nonexistent/url (ENOENT)',
    );
    expect(errorOf({ REDIS_URL_FILE: file('empty', '\n') }).message).toContain('REDIS_URL_FILE:');
  });

  it('drop one line break at the end of a file, and refuse an empty line after it rather than keep it in the secret', () => {
    expect(loadConfig({ IDENTITY_ADMIN_SECRET_FILE: file('one-break', 's3cret-admin-secret-of-32-chars\r\n') }).identity.adminSecret).toBe(
      's3cret-admin-secret-of-32-chars',
    );
    for (const content of ['s3cret-admin-secret-of-32-chars\n\n', 's3cret-admin-secret-of-32-chars\r\n\r\n', 's3cret-admin-secret-of-32-chars\n\r\n']) {
      const refused = errorOf({ IDENTITY_ADMIN_SECRET_FILE: file('two-breaks', content) });
      expect(refused.message).toContain('IDENTITY_ADMIN_SECRET_FILE:');
      expect(refused.message).toContain('ends with an empty line, which would be part of the value');
      expect(refused.message).not.toContain('s3cret');
    }
  });

  it('never quote a secret value in a configuration error, only the variable', () => {
    const password = 'S3cret-pa55word-in-url';
    const error = errorOf({
      DATABASE_URL: `mysql://app:${password}@db/cleave`,
      INVENTORY_DATABASE_URL: `postgres://app:${password}@db/ inventory`,
      REDIS_URL_FILE: file('bad-redis', `http://:${password}@cache`),
      IDENTITY_ADMIN_SECRET: 'short-admin',
      MODULE_CLIENT_KEY: `${password}==`,
      IDENTITY_KEK: `dev:${password}`,
    });
    expect(error.problems.map((p) => p.variable).sort()).toEqual([
      'DATABASE_URL',
      'IDENTITY_ADMIN_SECRET',
      'IDENTITY_KEK',
      'INVENTORY_DATABASE_URL',
      'MODULE_CLIENT_KEY',
      'REDIS_URL',
    ]);
    for (const secret of [password, 'short-admin']) expect(error.message).not.toContain(secret);
    const identity = errorOf({ MODULE_CLIENT_KEY: `${password}==`, IDENTITY_KEK: `dev:${password}` });
    expect(identity.problems.map((p) => p.variable).sort()).toEqual(['IDENTITY_KEK', 'MODULE_CLIENT_KEY']);
    expect(identity.message).not.toContain(password);
  });

  it('read the operations page session key from a file, and refuse one that is not 32 bytes without quoting it', () => {
    const key = Buffer.alloc(32, 9).toString('base64');
    expect(loadConfig({ OPS_SESSION_KEY_FILE: file('ops-key', `${key}\n`) }).ops.sessionKey).toEqual(Buffer.alloc(32, 9));
    expect(loadConfig({}).ops).toEqual({ clientId: 'cleave-web', sessionKey: undefined });
    const short = errorOf({ OPS_SESSION_KEY: 'c2hvcnQta2V5LXZhbHVl' });
    expect(short.problems.map((p) => p.variable)).toEqual(['OPS_SESSION_KEY']);
    expect(short.message).toContain('must be 32 random bytes');
    expect(short.message).not.toContain('c2hvcnQta2V5LXZhbHVl');
  });
});
