import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultRows } from '../../../platform/db/index.ts';
import type { Host } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { startTestHost } from '../../../tests/support/test-host.ts';
import { upsertClient } from '../infrastructure/identity-repository.ts';
import { identityModule } from '../index.ts';
import { identityHost, tokenRequest } from './support.ts';

const production = {
  NODE_ENV: 'production',
  IDENTITY_KEK: randomBytes(32).toString('base64'),
  DATA_KEK: `d1:${randomBytes(32).toString('base64')}`,
  PASSWORD_SCRYPT_N: '32768',
  UNDECLARED_PROBLEMS: 'fail',
};

describe.each(testDatabases)('identity settings and demo data, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  // Production hosts get their own database: their key-encryption key could not open keys sealed by the others.
  let productionDatabase: TestDatabaseHandle;
  const hosts: Host[] = [];

  beforeAll(async () => {
    database = await testDatabase.open();
    productionDatabase = await testDatabase.open();
  });
  afterAll(async () => {
    for (const host of hosts) await host.stop();
    await database?.close();
    await productionDatabase?.close();
  });

  const userCount = async () => Number(resultRows<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from identity.users`))[0]?.n);

  it('the demo seed is idempotent and prints the credentials only on the start that created them', async () => {
    const lines: Record<string, unknown>[] = [];
    const host = await startTestHost({ database, modules: [identityModule], logLines: lines });
    hosts.push(host);
    await host.seed();
    await host.seed();
    expect(await userCount()).toBe(3);
    const printed = lines.filter((l) => String(l.msg).includes('Demo users'));
    expect(printed).toHaveLength(1);
    expect(String(printed[0]?.msg)).toContain('olga / olga-demo-password (operator, admin)');
    // The development default key-encryption key is said to be one, and so is the development module client key.
    expect(lines.some((l) => l.kek === 'development-default' && l.level === 40)).toBe(true);
    expect(lines.some((l) => l.moduleClientKeySource === 'development-default' && l.level === 40)).toBe(true);
  });

  it('the password grant is refused unless enabled', async () => {
    const host = await identityHost(database);
    hosts.push(host);
    const { response, body } = await tokenRequest(host, {
      grant_type: 'password',
      client_id: 'cleave-web',
      username: 'alice',
      password: 'alice-demo-password',
    });
    expect(response.status).toBe(400);
    expect(body).toMatchObject({ error: 'unsupported_grant_type', code: 'identity/unsupported-grant-type' });
    const metadata = (await (await host.app.request('/.well-known/oauth-authorization-server')).json()) as { grant_types_supported: string[] };
    expect(metadata.grant_types_supported).not.toContain('password');
  });

  it('with NODE_ENV=production: no demo accounts, and the password grant is refused even for a client allowed it', async () => {
    const lines: Record<string, unknown>[] = [];
    const host = await startTestHost({ database: productionDatabase, modules: [identityModule], env: production, logLines: lines });
    hosts.push(host);
    await host.seed();
    expect(lines.some((l) => String(l.msg).includes('no demo accounts with NODE_ENV=production'))).toBe(true);
    await upsertClient(productionDatabase.db, {
      id: 'legacy-app',
      name: 'Legacy',
      secretHash: null,
      redirectUris: [],
      grantTypes: ['password'],
      scopes: ['profile'],
    });
    const { response, body } = await tokenRequest(host, {
      grant_type: 'password',
      client_id: 'legacy-app',
      username: 'alice',
      password: 'alice-demo-password',
    });
    expect(response.status).toBe(400);
    expect(body).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('with NODE_ENV=production and no IDENTITY_KEK, a host with identity does not start', async () => {
    await expect(startTestHost({ database: productionDatabase, modules: [identityModule], env: { ...production, IDENTITY_KEK: '' } })).rejects.toThrow(
      /IDENTITY_KEK: required with NODE_ENV=production/,
    );
  });

  it('with NODE_ENV=production and no DATA_KEK, a host with identity does not start', async () => {
    await expect(startTestHost({ database: productionDatabase, modules: [identityModule], env: { ...production, DATA_KEK: '' } })).rejects.toThrow(
      /DATA_KEK: required with NODE_ENV=production/,
    );
  });
});
