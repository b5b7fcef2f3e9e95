import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host, HostedModule } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { directCall } from '../../../tests/support/direct-call.ts';
import { call } from '../../../tests/support/test-host.ts';
import { eraseUserData } from '../application/erase-user-data.ts';
import { identityRuntime } from '../infrastructure/identity-runtime.ts';
import { identityHost, userToken } from './support.ts';

describe.each(testDatabases)('a user contact for notifications, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await identityHost(database, { IDENTITY_PASSWORD_GRANT: 'true', DATA_KEK: `d1:${randomBytes(32).toString('base64')}` });
  });
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  const signUp = async (fields: Record<string, string>) => {
    const response = await call(host, 'POST', '/identity/v1/users', { password: 'long enough password', ...fields }, { authorization: '' });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  const contact = (userId: string, caller = 'notifications') => directCall(host, caller, 'GET', `/identity/v1/users/${userId}/contact`);

  it('answers module notifications with the opened address and name; nulls when none was given', async () => {
    const ada = await signUp({ username: `ada-${randomUUID().slice(0, 6)}`, email: 'ada@example.org', displayName: 'Ada' });
    const response = await contact(ada);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ userId: ada, email: 'ada@example.org', displayName: 'Ada' });

    const quiet = await signUp({ username: `quiet-${randomUUID().slice(0, 6)}` });
    expect(await (await contact(quiet)).json()).toEqual({ userId: quiet, email: null, displayName: null });
  });

  it('answers nulls once the user was erased, and identity/user-not-found for an unknown user', async () => {
    const erased = await signUp({ username: `gone-${randomUUID().slice(0, 6)}`, email: 'gone@example.org', displayName: 'Gone' });
    const identity = host.modules.find((m) => m.definition.name === 'identity') as HostedModule;
    expect(await eraseUserData(identityRuntime(identity.context).deps, erased)).toBe(true);
    expect(await (await contact(erased)).json()).toEqual({ userId: erased, email: null, displayName: null });

    const unknown = await contact(randomUUID());
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'identity/user-not-found' });
  });

  it('refuses every other caller: another module, an administrator holding every scope, the user themself', async () => {
    const bea = await signUp({ username: `bea-${randomUUID().slice(0, 6)}`, email: 'bea@example.org' });
    expect((await contact(bea, 'ordering')).status).toBe(403);
    const asAdmin = await call(host, 'GET', `/identity/v1/users/${bea}/contact`);
    expect(asAdmin.status).toBe(403);
    expect(await asAdmin.json()).toMatchObject({ code: 'auth/insufficient-scope' });
    const alice = await userToken(host, 'alice');
    expect((await call(host, 'GET', `/identity/v1/users/${bea}/contact`, undefined, { authorization: `Bearer ${alice}` })).status).toBe(403);
    expect((await call(host, 'GET', `/identity/v1/users/${bea}/contact`, undefined, { authorization: '' })).status).toBe(401);
  });
});
