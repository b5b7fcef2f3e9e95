import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditMigrations, auditTables, createAuditLog, queryAuditLog } from '../../../platform/audit/index.ts';
import { migrateSchema } from '../../../platform/db/index.ts';
import { createSecretBox, createTokenVerifier } from '../../../platform/security/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { authorize } from '../application/authorize.ts';
import { moduleClientSecret } from '../../../platform/security/index.ts';
import type { IdentityDeps } from '../application/identity-deps.ts';
import { issueTokens } from '../application/issue-tokens.ts';
import { knownScopes } from '../domain/scopes.ts';
import { registerUser } from '../application/register-user.ts';
import { revokeToken } from '../application/revoke-token.ts';
import { digest, upsertClient } from '../infrastructure/identity-repository.ts';
import { createKeyStore } from '../infrastructure/key-store.ts';
import { dataKeys, deadLetters, inbox, outbox, refreshTokens, users } from '../infrastructure/schema.ts';
import { eq } from 'drizzle-orm';
import { createFieldEncryption } from '../../../platform/encryption/index.ts';
import { createOutbox } from '../../../platform/events/index.ts';

const migrations = fileURLToPath(new URL('../../../migrations/identity', import.meta.url));
const moduleKey = randomBytes(32);
const fastHash = { N: 2 ** 10, r: 8, p: 1 };

describe.each(testDatabases)('the token endpoint on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let deps: IdentityDeps;
  const machineSecret = randomBytes(24).toString('base64url');
  const verifier = () => createTokenVerifier({ issuer: 'https://id.test', audience: 'cleave', keys: { local: () => deps.keys.jwks() } });

  beforeAll(async () => {
    database = await testDatabase.open();
    await migrateSchema(database.db, 'identity', migrations);
    await migrateSchema(database.db, 'identity', auditMigrations('identity'));
    const box = createSecretBox([{ id: 'k1', key: randomBytes(32) }]);
    deps = {
      db: database.db,
      transaction: (fn) => database.db.transaction(fn),
      keys: createKeyStore({ db: database.db, box, tokenLifetimeMs: 600_000, cacheMs: 0 }),
      fields: createFieldEncryption(dataKeys, box),
      outbox: createOutbox({ outbox, inbox, deadLetters }, 'identity'),
      audit: createAuditLog('identity', database.db),
      settings: {
        issuer: 'https://id.test',
        audience: 'cleave',
        accessTokenTtlS: 600,
        refreshTokenTtlS: 86_400,
        refreshTokenMaxAgeS: 3 * 86_400,
        authorizationCodeTtlS: 60,
        passwordGrant: true,
        moduleClientKey: moduleKey,
        passwordCost: fastHash,
      },
      knownScopes,
      erasureModules: [],
      moduleScopes: (m) => (m === 'inventory' ? ['catalog:read'] : undefined),
    };
    await registerUser(deps, { username: 'alice', password: 'correct horse', roles: ['staff'] });
    await upsertClient(database.db, {
      id: 'demo-app',
      name: 'Demo',
      secretHash: null,
      redirectUris: ['http://127.0.0.1/cb'],
      grantTypes: ['authorization_code', 'refresh_token', 'password'],
      scopes: ['profile', 'catalog:write'],
    });
    await upsertClient(database.db, {
      id: 'reporting',
      name: 'Reporting job',
      secretHash: digest(machineSecret),
      redirectUris: [],
      grantTypes: ['client_credentials'],
      scopes: ['inventory:read'],
    });
  });
  afterAll(() => database.close());

  it('issues a client-credentials token that verifies, for a machine client and a module', async () => {
    const machine = await issueTokens(deps, { grant_type: 'client_credentials', client_id: 'reporting', client_secret: machineSecret });
    expect(machine).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'inventory:read' });
    expect(machine.refresh_token).toBeUndefined();
    expect(await verifier().verify(machine.access_token)).toMatchObject({ kind: 'client', subject: 'reporting', clientId: 'reporting' });

    const module = await issueTokens(deps, {
      grant_type: 'client_credentials',
      client_id: 'module:inventory',
      client_secret: moduleClientSecret(moduleKey, 'inventory'),
    });
    expect(await verifier().verify(module.access_token)).toMatchObject({ kind: 'module', module: 'inventory', subject: 'module:inventory' });
  });

  it('refuses wrong client credentials, unknown grants and scopes the client may not have', async () => {
    await expect(issueTokens(deps, { grant_type: 'client_credentials', client_id: 'reporting', client_secret: 'wrong' })).rejects.toMatchObject({
      code: 'identity/invalid-client',
    });
    await expect(issueTokens(deps, { grant_type: 'client_credentials', client_id: 'module:inventory', client_secret: 'guess' })).rejects.toMatchObject({
      code: 'identity/invalid-client',
    });
    await expect(
      issueTokens(deps, { grant_type: 'client_credentials', client_id: 'module:nope', client_secret: moduleClientSecret(moduleKey, 'nope') }),
    ).rejects.toMatchObject({
      code: 'identity/invalid-client',
    });
    await expect(issueTokens(deps, { grant_type: 'implicit', client_id: 'demo-app' })).rejects.toMatchObject({ code: 'identity/unsupported-grant-type' });
    await expect(
      issueTokens(deps, { grant_type: 'client_credentials', client_id: 'reporting', client_secret: machineSecret, scope: 'operator' }),
    ).rejects.toMatchObject({
      code: 'identity/invalid-scope',
    });
  });

  it('rotates refresh tokens, and a reused one revokes its whole family', async () => {
    const first = await issueTokens(deps, { grant_type: 'password', client_id: 'demo-app', username: 'alice', password: 'correct horse' });
    expect(first.scope).toBe('catalog:write profile');
    const second = await issueTokens(deps, { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: first.refresh_token });
    expect(second.refresh_token).not.toBe(first.refresh_token);
    // The first token again: stolen, say. Refused, and the thief's success would be the victim's loss: all revoked.
    await expect(issueTokens(deps, { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: first.refresh_token })).rejects.toMatchObject({
      code: 'identity/invalid-grant',
      message: expect.stringContaining('already used'),
    });
    await expect(issueTokens(deps, { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: second.refresh_token })).rejects.toMatchObject({
      code: 'identity/invalid-grant',
    });
  });

  it('a refresh with a narrower scope narrows the access token only: the next refresh token keeps the scope presented (RFC 6749 §6)', async () => {
    const first = await issueTokens(deps, { grant_type: 'password', client_id: 'demo-app', username: 'alice', password: 'correct horse' });
    expect(first.scope).toBe('catalog:write profile');
    const narrowed = await issueTokens(deps, { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: first.refresh_token, scope: 'profile' });
    expect(narrowed.scope).toBe('profile');
    expect([...(await verifier().verify(narrowed.access_token)).scopes]).toEqual(['profile']);
    // The new refresh token still carries both scopes: the next refresh may ask for them again, or for all by default.
    const widened = await issueTokens(deps, {
      grant_type: 'refresh_token',
      client_id: 'demo-app',
      refresh_token: narrowed.refresh_token,
      scope: 'profile catalog:write',
    });
    expect(widened.scope).toBe('catalog:write profile');
    const full = await issueTokens(deps, { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: widened.refresh_token });
    expect(full.scope).toBe('catalog:write profile');
    expect([...(await verifier().verify(full.access_token)).scopes].sort()).toEqual(['catalog:write', 'profile']);
  });

  it('a user who lost a role since sign-in: a refresh without scope gets what is left; asking for the lost scope is invalid_scope; nothing left is invalid_grant', async () => {
    await registerUser(deps, { username: 'rolf', password: 'correct horse', roles: ['staff'] });
    const setRoles = (roles: string[]) => database.db.update(users).set({ roles }).where(eq(users.id, rolfId));
    const first = await issueTokens(deps, { grant_type: 'password', client_id: 'demo-app', username: 'rolf', password: 'correct horse' });
    const rolfId = (await verifier().verify(first.access_token)).subject;
    expect(first.scope).toBe('catalog:write profile');
    await setRoles(['customer']);
    const rest = await issueTokens(deps, { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: first.refresh_token });
    expect(rest.scope).toBe('profile');
    expect([...(await verifier().verify(rest.access_token)).scopes]).toEqual(['profile']);
    await expect(
      issueTokens(deps, { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: rest.refresh_token, scope: 'catalog:write' }),
    ).rejects.toMatchObject({ code: 'identity/invalid-scope' });
    // A refusal uses nothing up: the same refresh token still works once the role is back.
    await setRoles(['staff']);
    const back = await issueTokens(deps, { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: rest.refresh_token });
    expect(back.scope).toBe('catalog:write profile');
    await setRoles([]);
    await expect(issueTokens(deps, { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: back.refresh_token })).rejects.toMatchObject({
      code: 'identity/invalid-grant',
      message: expect.stringContaining('no longer holds any scope'),
    });
  });

  it('a sign-in lasts REFRESH_TOKEN_MAX_AGE however often it is refreshed: the last token expires then, and an older family is refused', async () => {
    const family = async (refreshToken: string | undefined) => {
      const [row] = await database.db
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, digest(refreshToken ?? '')));
      if (!row) throw new Error('no such refresh token');
      return row;
    };
    const first = await issueTokens(deps, { grant_type: 'password', client_id: 'demo-app', username: 'alice', password: 'correct horse' });
    const started = (await family(first.refresh_token)).familyStartedAt;
    // Signed in two and a half days ago (3 days allowed): the next token lives half a day, not the TTL's full day.
    const earlier = new Date(started.getTime() - 2.5 * 86_400_000);
    await database.db
      .update(refreshTokens)
      .set({ familyStartedAt: earlier })
      .where(eq(refreshTokens.familyId, (await family(first.refresh_token)).familyId));
    const second = await issueTokens(deps, { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: first.refresh_token });
    const next = await family(second.refresh_token);
    expect(next.familyStartedAt.getTime()).toBe(earlier.getTime());
    expect(next.expiresAt.getTime()).toBe(earlier.getTime() + 3 * 86_400_000);
    // A family past its maximum age is refused even while its token's own expiry is ahead (the setting lowered since).
    await database.db
      .update(refreshTokens)
      .set({ familyStartedAt: new Date(started.getTime() - 3 * 86_400_000 - 1000) })
      .where(eq(refreshTokens.familyId, next.familyId));
    await expect(issueTokens(deps, { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: second.refresh_token })).rejects.toMatchObject({
      code: 'identity/invalid-grant',
      message: expect.stringContaining('maximum age'),
    });
  });

  it('a revoked refresh token (logout) no longer works; revoking an unknown token says nothing', async () => {
    const tokens = await issueTokens(deps, { grant_type: 'password', client_id: 'demo-app', username: 'alice', password: 'correct horse' });
    await revokeToken(deps, { token: tokens.refresh_token ?? '', clientId: 'demo-app' });
    await expect(issueTokens(deps, { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: tokens.refresh_token })).rejects.toMatchObject({
      code: 'identity/invalid-grant',
    });
    await expect(revokeToken(deps, { token: 'no-such-token', clientId: 'demo-app' })).resolves.toBeUndefined();
  });

  it('sign-outs of one sign-in sent at once revoke it once and write one audit entry', async () => {
    const revocations = async () => (await queryAuditLog(database.db, auditTables('identity'), { action: 'identity.token-revoked', limit: 1000 })).items.length;
    const before = await revocations();
    const tokens = await issueTokens(deps, { grant_type: 'password', client_id: 'demo-app', username: 'alice', password: 'correct horse' });
    await Promise.all(Array.from({ length: 4 }, () => revokeToken(deps, { token: tokens.refresh_token ?? '', clientId: 'demo-app' })));
    expect(await revocations()).toBe(before + 1);
  });

  it('runs the authorization code flow with PKCE: right verifier once, wrong verifier or second use refused, each saying what happened', async () => {
    const verifierText = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifierText).digest('base64url');
    const request = {
      responseType: 'code',
      clientId: 'demo-app',
      redirectUri: 'http://127.0.0.1/cb',
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      username: 'alice',
      password: 'correct horse',
    };
    await expect(authorize(deps, { ...request, codeChallengeMethod: 'plain' })).rejects.toMatchObject({ code: 'identity/invalid-request' });
    await expect(authorize(deps, { ...request, redirectUri: 'http://evil.test/cb' })).rejects.toMatchObject({ code: 'identity/invalid-authorization-request' });
    await expect(authorize(deps, { ...request, password: 'wrong' })).rejects.toMatchObject({ code: 'identity/invalid-grant' });

    const { code } = await authorize(deps, request);
    const exchange = { grant_type: 'authorization_code', client_id: 'demo-app', code, redirect_uri: 'http://127.0.0.1/cb' };
    await expect(issueTokens(deps, { ...exchange, code_verifier: 'x'.repeat(43) })).rejects.toMatchObject({
      message: expect.stringContaining('code verifier'),
    });
    // A failed exchange used the code up: codes are single-use whatever happens. No tokens were issued, and it says so
    // (audited as a refusal: no family was revoked).
    const refusals = async () => (await queryAuditLog(database.db, auditTables('identity'), { action: 'identity.token-refused', limit: 1000 })).items.length;
    const refusedBefore = await refusals();
    await expect(issueTokens(deps, { ...exchange, code_verifier: verifierText })).rejects.toMatchObject({
      code: 'identity/invalid-grant',
      message: 'The authorization code was already used by a redemption that failed; no tokens were issued for it.',
    });
    expect(await refusals()).toBe(refusedBefore + 1);
    const { code: again } = await authorize(deps, request);
    const tokens = await issueTokens(deps, { ...exchange, code: again, code_verifier: verifierText });
    expect(await verifier().verify(tokens.access_token)).toMatchObject({ kind: 'user', clientId: 'demo-app' });
    const refreshed = await issueTokens(deps, { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: tokens.refresh_token });
    // The code again (intercepted, say): refused, and the session its first use started is revoked (RFC 6749 §4.1.2).
    await expect(issueTokens(deps, { ...exchange, code: again, code_verifier: verifierText })).rejects.toMatchObject({
      code: 'identity/invalid-grant',
      message: expect.stringContaining('already used; the tokens issued for it are revoked'),
    });
    await expect(issueTokens(deps, { grant_type: 'refresh_token', client_id: 'demo-app', refresh_token: refreshed.refresh_token })).rejects.toMatchObject({
      code: 'identity/invalid-grant',
      message: expect.stringContaining('expired or was revoked'),
    });
  });

  it('keeps verifying tokens signed before a key rotation, and signs new ones with the new key', async () => {
    const before = await issueTokens(deps, { grant_type: 'client_credentials', client_id: 'reporting', client_secret: machineSecret });
    const { kid, previous } = await deps.keys.rotate();
    expect(kid).not.toBe(previous);
    const after = await issueTokens(deps, { grant_type: 'client_credentials', client_id: 'reporting', client_secret: machineSecret });
    const check = verifier();
    await expect(check.verify(before.access_token)).resolves.toMatchObject({ subject: 'reporting' });
    await expect(check.verify(after.access_token)).resolves.toMatchObject({ subject: 'reporting' });
    expect((await deps.keys.jwks()).keys.map((k) => k.kid).sort()).toEqual([kid, previous].sort());
  });
});
