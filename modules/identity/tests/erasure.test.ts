import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { userErased, userRegistered } from '../contract/events.ts';
import { erasures, outbox, refreshTokens, users } from '../infrastructure/schema.ts';
import { directCall } from '../../../tests/support/direct-call.ts';
import { identityHost, tokenRequest, userToken } from './support.ts';

const bearer = (token: string, method = 'GET'): RequestInit => ({ method, headers: { authorization: `Bearer ${token}` } });
const bearerJson = (token: string, method: string, body: unknown): RequestInit => ({
  method,
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe.each(testDatabases)('erasing a user, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let admin: string;

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await identityHost(database, { IDENTITY_PASSWORD_GRANT: 'true' });
    admin = await userToken(host, 'olga');
  });
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  async function signUpAndSignIn(username: string) {
    const created = await host.app.request('/identity/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'long enough password', email: `${username}@example.org`, displayName: `${username} Example` }),
    });
    const { id } = (await created.json()) as { id: string };
    const { body } = await tokenRequest(host, { grant_type: 'password', client_id: 'cleave-web', username, password: 'long enough password' });
    return { id, access: body.access_token as string, refresh: body.refresh_token as string | undefined };
  }

  it('the account holder erases themselves: key shredded, row anonymised, grants revoked, one identity.user-erased event', async () => {
    const user = await signUpAndSignIn('ursula');
    const answer = await host.app.request('/identity/v1/users/me/erasure', bearer(user.access, 'POST'));
    expect(answer.status).toBe(202);
    const erasure = (await answer.json()) as { id: string; userId: string; requestedBy: string };
    expect(erasure).toMatchObject({ userId: user.id, requestedBy: 'user' });

    const [row] = await database.db.select().from(users).where(eq(users.id, user.id));
    expect(row).toMatchObject({ username: `erased-${erasure.id}`, email: null, emailIndex: null, displayName: null, roles: [] });
    expect(row?.disabledAt).not.toBeNull();
    const tokens = await database.db.select().from(refreshTokens).where(eq(refreshTokens.userId, user.id));
    expect(tokens.every((t) => t.revokedAt !== null)).toBe(true);
    if (user.refresh) {
      const refreshed = await tokenRequest(host, { grant_type: 'refresh_token', client_id: 'cleave-web', refresh_token: user.refresh });
      expect(refreshed.response.status).toBe(400);
    }
    const signIn = await tokenRequest(host, { grant_type: 'password', client_id: 'cleave-web', username: 'ursula', password: 'long enough password' });
    expect(signIn.response.status).toBe(400);

    const events = await database.db.select().from(outbox).where(eq(outbox.aggregateKey, user.id));
    const erased = events.filter((e) => e.name === userErased.name);
    expect(erased.map((e) => e.envelope.payload)).toEqual([{ userId: user.id, erasureId: erasure.id }]);
    // The username travelled in the clear in identity.user-registered: replaced in identity's copy.
    const registered = events.find((e) => e.name === userRegistered.name);
    expect(JSON.stringify(registered?.envelope)).not.toContain('ursula');

    // The operator's view of the request.
    const record = await host.app.request(`/identity/v1/erasures/${erasure.id}`, bearer(admin));
    expect(record.status).toBe(200);
    // Identity's part is confirmed in the erasure's own transaction; no other module here erases on the event.
    expect(await record.json()).toMatchObject({
      id: erasure.id,
      userId: user.id,
      requestedBy: 'user',
      complete: true,
      modules: [
        {
          module: 'identity',
          status: 'confirmed',
          erased: expect.arrayContaining([
            { table: 'refresh_tokens', rows: tokens.length },
            { table: 'data_keys', rows: 1 },
          ]),
        },
      ],
    });
  });

  it('a module confirms its own part of an erasure, once; not for another module, nor as a user; the report lists it', async () => {
    const user = await signUpAndSignIn('yolanda');
    const erasure = (await (await host.app.request(`/identity/v1/users/${user.id}`, bearer(admin, 'DELETE'))).json()) as { id: string };
    const path = (module: string) => `/identity/v1/erasures/${erasure.id}/confirmations/${module}`;
    const confirmed = await directCall(host, 'ordering', 'PUT', path('ordering'), {
      erased: [
        { table: 'carts', rows: 2 },
        { table: 'cart_lines', rows: 3 },
      ],
    });
    expect(confirmed.status).toBe(200);
    const first = (await confirmed.json()) as { confirmedAt: string };
    expect(first).toMatchObject({
      erasureId: erasure.id,
      module: 'ordering',
      erased: [
        { table: 'carts', rows: 2 },
        { table: 'cart_lines', rows: 3 },
      ],
    });
    // Again (a retried saga step): the first confirmation stands.
    const again = await directCall(host, 'ordering', 'PUT', path('ordering'), { erased: [{ table: 'carts', rows: 0 }] });
    expect(await again.json()).toMatchObject({
      erased: [
        { table: 'carts', rows: 2 },
        { table: 'cart_lines', rows: 3 },
      ],
      confirmedAt: first.confirmedAt,
    });
    for (const refused of [
      await directCall(host, 'ordering', 'PUT', path('payments'), { erased: [] }),
      await host.app.request(path('ordering'), bearerJson(user.access, 'PUT', { erased: [] })),
      await host.app.request(path('ordering'), bearerJson(admin, 'PUT', { erased: [] })),
    ]) {
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
    }
    const unknown = await directCall(host, 'payments', 'PUT', `/identity/v1/erasures/0192e0a4-0000-7000-8000-000000000000/confirmations/payments`, {
      erased: [],
    });
    expect(unknown.status).toBe(404);
    expect((await directCall(host, 'ordering', 'PUT', path('ordering'), { erased: [{ table: 'carts', rows: -1 }] })).status).toBe(400);
    const report = (await (await host.app.request(`/identity/v1/erasures/${erasure.id}`, bearer(admin))).json()) as { modules: { module: string }[] };
    expect(report.modules.map((m) => m.module)).toEqual(['identity', 'ordering']);
  });

  it('erasing again (the user or an operator) answers the same erasure and publishes nothing more', async () => {
    const user = await signUpAndSignIn('vera');
    const first = (await (await host.app.request(`/identity/v1/users/${user.id}`, bearer(admin, 'DELETE'))).json()) as { id: string; requestedBy: string };
    expect(first.requestedBy).toMatch(/^operator:/);
    const again = await host.app.request(`/identity/v1/users/${user.id}`, bearer(admin, 'DELETE'));
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ id: first.id });
    const self = await host.app.request('/identity/v1/users/me/erasure', bearer(user.access, 'POST'));
    expect(await self.json()).toMatchObject({ id: first.id });
    expect(await database.db.select().from(erasures).where(eq(erasures.userId, user.id))).toHaveLength(1);
    const published = await database.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.aggregateKey, user.id), eq(outbox.name, userErased.name)));
    expect(published).toHaveLength(1);
  });

  it('erasing an unknown user is 404 problem+json; a customer erasing someone else is 403', async () => {
    const unknown = await host.app.request('/identity/v1/users/0192e0a4-0000-7000-8000-000000000000', bearer(admin, 'DELETE'));
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(await unknown.json()).toMatchObject({ code: 'identity/user-not-found' });

    const victim = await signUpAndSignIn('wanda');
    const attacker = await signUpAndSignIn('xena');
    const refused = await host.app.request(`/identity/v1/users/${victim.id}`, bearer(attacker.access, 'DELETE'));
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const [row] = await database.db.select().from(users).where(eq(users.id, victim.id));
    expect(row?.username).toBe('wanda');

    const noErasure = await host.app.request('/identity/v1/erasures/0192e0a4-0000-7000-8000-000000000000', bearer(admin));
    expect(noErasure.status).toBe(404);
    expect(await noErasure.json()).toMatchObject({ code: 'identity/erasure-not-found' });
  });
});
