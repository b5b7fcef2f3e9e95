import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host, HostedModule } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { eraseUserData } from '../application/erase-user-data.ts';
import { profileContext } from '../application/user-profile.ts';
import { userRegistered } from '../contract/events.ts';
import { identityRuntime } from '../infrastructure/identity-runtime.ts';
import { outbox, users } from '../infrastructure/schema.ts';
import { identityHost, tokenRequest, userToken } from './support.ts';

const json = (body: unknown, token?: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});

describe.each(testDatabases)('personal data at rest, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let identity: HostedModule;
  let admin: string;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await identityHost(database, { IDENTITY_PASSWORD_GRANT: 'true', DATA_KEK: `d1:${randomBytes(32).toString('base64')}` });
    identity = host.modules.find((m) => m.definition.name === 'identity') as HostedModule;
    admin = await userToken(host, 'olga');
  });
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  const signUp = async (fields: Record<string, string>) => host.app.request('/identity/v1/users', json({ password: 'long enough password', ...fields }));
  const lookUp = async (email: string, token = admin) =>
    host.app.request(`/identity/v1/users?email=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${token}` } });

  it('finds a user by e-mail through the blind index, whatever the case; the row holds no address in the clear', async () => {
    const created = await signUp({ username: 'ada', email: 'Ada.Lovelace@Example.org', displayName: 'Ada Lovelace' });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: string };
    expect(user).toMatchObject({ username: 'ada', email: 'Ada.Lovelace@Example.org', displayName: 'Ada Lovelace' });

    const found = await lookUp('ADA.lovelace@EXAMPLE.org');
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual({ items: [expect.objectContaining({ id: user.id, email: 'Ada.Lovelace@Example.org', displayName: 'Ada Lovelace' })] });
    expect(await (await lookUp('someone.else@example.org')).json()).toEqual({ items: [] });

    const [row] = await database.db.select().from(users).where(eq(users.id, user.id));
    const stored = JSON.stringify(row).toLowerCase();
    expect(stored).not.toContain('lovelace');
    expect(row?.email).toMatch(/^f1\./);
    expect(row?.emailIndex).toMatch(/^[\w-]{43}$/);

    // One account per address, compared as the index compares it; the answer does not echo the address.
    const again = await signUp({ username: 'ada2', email: 'ADA.lovelace@example.org' });
    expect(again.status).toBe(409);
    const problem = await again.text();
    expect(problem).toContain('identity/email-taken');
    expect(problem.toLowerCase()).not.toContain('lovelace');
    // The names erased accounts get are reserved.
    const posing = await signUp({ username: 'erased-1796406001504' });
    expect([posing.status, ((await posing.json()) as { code: string }).code]).toEqual([409, 'identity/username-taken']);
    // Nor does a validation error quote a malformed address.
    const malformed = await signUp({ username: 'ada3', email: 'ada.lovelace-at-example.org' });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).not.toContain('lovelace');
  });

  it('shows the signed-in user their e-mail and display name; only administrators look users up', async () => {
    await signUp({ username: 'grace', email: 'grace@example.org', displayName: 'Grace Hopper' });
    const { body } = await tokenRequest(host, { grant_type: 'password', client_id: 'cleave-web', username: 'grace', password: 'long enough password' });
    const token = body.access_token as string;
    const me = await host.app.request('/identity/v1/users/me', { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ username: 'grace', email: 'grace@example.org', displayName: 'Grace Hopper' });
    expect((await lookUp('grace@example.org', token)).status).toBe(403);
    // Accounts made without personal data keep working as before.
    const plain = await signUp({ username: 'no-mail' });
    expect(await plain.json()).toMatchObject({ username: 'no-mail', email: null, displayName: null });
  });

  it('erasing a user shreds their key: the row, the outbox event and a dead-letter copy read as erased, and the address finds nobody', async () => {
    const created = (await (await signUp({ username: 'erin', email: 'erin@example.org', displayName: 'Erin E.' })).json()) as { id: string };
    const deps = identityRuntime(identity.context).deps;
    const [event] = await database.db
      .select()
      .from(outbox)
      .where(sql`${outbox.name} = ${userRegistered.name} and ${outbox.aggregateKey} = ${created.id}`);
    if (!event) throw new Error('no identity.user-registered event in the outbox');
    expect(JSON.stringify(event.envelope)).not.toContain('erin@');
    const payload = event.envelope.payload as { email: string; displayName: string };
    const emailContext = profileContext.event(userRegistered.name, 'email', created.id);
    expect(await deps.fields.open(deps.db, payload.email, emailContext)).toEqual({ status: 'ok', value: 'erin@example.org' });
    // A consumer that gave up on the event keeps its copy in dead letters, as the store records it.
    await identity.deadLetters.record('probe.on-user-registered', event.envelope, new Error('consumer failed'), 3);

    expect(await eraseUserData(deps, created.id)).toBe(true);

    expect(await deps.fields.open(deps.db, payload.email, emailContext)).toEqual({ status: 'erased' });
    const [letter] = (await identity.deadLetters.list()).filter((l) => l.eventId === event.id);
    const copy = letter?.envelope.payload as { email: string; displayName: string };
    expect(
      await deps.fields.openAll(deps.db, [
        { sealed: copy.email, context: emailContext },
        { sealed: copy.displayName, context: profileContext.event(userRegistered.name, 'displayName', created.id) },
      ]),
    ).toEqual([{ status: 'erased' }, { status: 'erased' }]);
    expect(await (await lookUp('erin@example.org')).json()).toEqual({ items: [] });
    // The account row's own fields read as gone, without an error.
    const { body } = await tokenRequest(host, { grant_type: 'password', client_id: 'cleave-web', username: 'erin', password: 'long enough password' });
    const me = await host.app.request('/identity/v1/users/me', { headers: { authorization: `Bearer ${body.access_token as string}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ username: 'erin', email: null, displayName: null });
  });
});
