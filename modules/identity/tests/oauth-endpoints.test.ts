import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host } from '../../../platform/host/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { testAdminSecret } from '../../../tests/support/tokens.ts';
import { answerValidator } from '../../../tests/support/fuzz/checks.ts';
import type { Schema } from '../../../tests/support/fuzz/schema-arbitrary.ts';
import { basic, formRequest, identityHost, issuer, pkce, redirectUri, tokenRequest, userToken, verifyWithPublishedKeys } from './support.ts';

/** The body of an answer of the OAuth endpoint `path` checked against its OpenAPI schema for the status. */
const oauthAnswerErrors = (() => {
  const identityDocument = JSON.parse(readFileSync(new URL('../../../contracts/openapi/identity.json', import.meta.url), 'utf8')) as {
    paths: Record<'/identity/v1/token' | '/identity/v1/revoke', { post: unknown }>;
  };
  const validator = answerValidator(identityDocument as unknown as Schema);
  return (path: '/identity/v1/token' | '/identity/v1/revoke', status: number, body: unknown) => {
    const validate = validator({ method: 'post', path, spec: identityDocument.paths[path].post as unknown as Schema }, status, 'application/problem+json');
    if (!validate) return [`no problem declared for ${status}`];
    if (!validate(body)) return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
    // The document declares the field (problems allow extra members: the answer alone would pass without it).
    const { error: _error, ...withoutError } = body as Record<string, unknown>;
    return validate(withoutError) ? [`the ${status} schema does not require error`] : [];
  };
})();

describe.each(testDatabases)('identity OAuth endpoints over HTTP, on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let machine: { id: string; secret: string };

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await identityHost(database, { IDENTITY_PASSWORD_GRANT: 'true' });
    const admin = await userToken(host, 'olga');
    const registered = await host.app.request('/identity/v1/clients', {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Reporting job', scopes: ['inventory:read'] }),
    });
    const body = (await registered.json()) as { clientId: string; clientSecret: string };
    machine = { id: body.clientId, secret: body.clientSecret };
  });
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  const expectOAuthProblem = (response: Response, body: Record<string, unknown>, status: number, error: string, code: string) => {
    expect({ status: response.status, error: body.error, code: body.code }).toEqual({ status, error, code });
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({ type: `urn:cleave:problem:${code}`, status, error_description: expect.any(String) });
  };

  it('publishes RFC 8414 metadata and a JWKS of public keys with kids', async () => {
    const metadata = (await (await host.app.request('/.well-known/oauth-authorization-server')).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer,
      token_endpoint: `${issuer}/identity/v1/token`,
      authorization_endpoint: `${issuer}/identity/v1/authorize`,
      revocation_endpoint: `${issuer}/identity/v1/revoke`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
    });
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials', 'refresh_token', 'password']));
    const jwks = (await (await host.app.request('/.well-known/jwks.json')).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('client credentials through HTTP Basic and in the form give an RFC 9068 token that verifies against the JWKS', async () => {
    for (const [fields, headers] of [
      [{ grant_type: 'client_credentials' }, { authorization: basic(machine.id, machine.secret) }],
      [{ grant_type: 'client_credentials', client_id: machine.id, client_secret: machine.secret }, {}],
    ] as const) {
      const { response, body } = await tokenRequest(host, fields, headers);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'inventory:read' });
      expect(body).not.toHaveProperty('refresh_token');
      const { payload, protectedHeader } = await verifyWithPublishedKeys(host, body.access_token as string);
      expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });
      expect(payload).toMatchObject({ iss: issuer, aud: 'cleave', sub: machine.id, client_id: machine.id, scope: 'inventory:read', jti: expect.any(String) });
      expect((payload.exp as number) - (payload.iat as number)).toBe(300);
    }
  });

  it('a wrong client secret is 401 invalid_client with WWW-Authenticate: Basic, whether Basic or the form carried it', async () => {
    const viaBasic = await tokenRequest(host, { grant_type: 'client_credentials' }, { authorization: basic(machine.id, 'wrong') });
    expectOAuthProblem(viaBasic.response, viaBasic.body, 401, 'invalid_client', 'identity/invalid-client');
    expect(viaBasic.response.headers.get('www-authenticate')).toMatch(/^Basic realm="cleave"/);
    const viaForm = await tokenRequest(host, { grant_type: 'client_credentials', client_id: machine.id, client_secret: 'wrong' });
    expectOAuthProblem(viaForm.response, viaForm.body, 401, 'invalid_client', 'identity/invalid-client');
    // RFC 9110 §15.5.2: every 401 names a scheme; the form is no scheme, Basic is the one this server takes.
    expect(viaForm.response.headers.get('www-authenticate')).toMatch(/^Basic realm="cleave"/);
    // A client id with a NUL (which the database cannot look up) is an unknown client too, on the token and revocation endpoints.
    for (const authorization of [`Basic ${Buffer.from('a\0b:c').toString('base64')}`, basic('a\0b', 'c')]) {
      const token = await tokenRequest(host, { grant_type: 'client_credentials' }, { authorization });
      expectOAuthProblem(token.response, token.body, 401, 'invalid_client', 'identity/invalid-client');
      const revoked = await host.app.request('/identity/v1/revoke', formRequest({ token: 'abc' }, { authorization }));
      expect(revoked.status).toBe(401);
    }
  });

  it('client authentication by another scheme or with malformed Basic credentials is 401 invalid_client with WWW-Authenticate: Basic', async () => {
    for (const authorization of ['Bearer abc.def.ghi', 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
      for (const path of ['/identity/v1/token', '/identity/v1/revoke']) {
        const response = await host.app.request(
          path,
          formRequest({ grant_type: 'client_credentials', token: 'abc', client_id: 'cleave-web' }, { authorization }),
        );
        const body = (await response.json()) as Record<string, unknown>;
        expectOAuthProblem(response, body, 401, 'invalid_client', 'identity/invalid-client');
        expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="cleave"/);
      }
    }
  });

  it('bad input is a problem that carries the RFC 6749 error: missing, unknown or repeated parameters, other media types, broken forms', async () => {
    const cases: [RequestInit, number, string, string][] = [
      [formRequest({ client_id: 'cleave-web' }), 400, 'invalid_request', 'http/validation-failed'],
      [formRequest({ grant_type: 'implicit', client_id: 'cleave-web' }), 400, 'unsupported_grant_type', 'identity/unsupported-grant-type'],
      [formRequest({ grant_type: 'client_credentials', client_id: 'cleave-web' }), 400, 'unauthorized_client', 'identity/unauthorized-client'],
      [
        formRequest({ grant_type: 'client_credentials', scope: 'operator' }, { authorization: basic(machine.id, machine.secret) }),
        400,
        'invalid_scope',
        'identity/invalid-scope',
      ],
      [
        formRequest({ grant_type: 'client_credentials', client_secret: 'x' }, { authorization: basic(machine.id, machine.secret) }),
        400,
        'invalid_request',
        'identity/invalid-request',
      ],
      [formRequest({ grant_type: 'authorization_code', client_id: 'cleave-web' }), 400, 'invalid_request', 'identity/invalid-request'],
      [
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password&grant_type=password' },
        400,
        'invalid_request',
        'http/validation-failed',
      ],
      [
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=%E0%A4%A' },
        400,
        'invalid_request',
        'http/malformed-form',
      ],
      [
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials"}' },
        415,
        'invalid_request',
        'http/unsupported-media-type',
      ],
      [
        { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'grant_type=client_credentials' },
        415,
        'invalid_request',
        'http/unsupported-media-type',
      ],
    ];
    for (const [init, status, error, code] of cases) {
      const response = await host.app.request('/identity/v1/token', init);
      expectOAuthProblem(response, (await response.json()) as Record<string, unknown>, status, error, code);
    }
  });

  it('runs the authorization code flow with PKCE end to end: page, sign-in, redirect with code, state and iss, exchange, refresh', async () => {
    const { verifier, challenge } = pkce();
    const query = {
      response_type: 'code',
      client_id: 'cleave-web',
      redirect_uri: redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 's-123',
      scope: 'profile',
    };
    const page = await host.app.request(`/identity/v1/authorize?${new URLSearchParams(query)}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain(`name="code_challenge" value="${challenge}"`);
    expect(html).toContain('name="state" value="s-123"');

    const wrong = await host.app.request('/identity/v1/authorize', formRequest({ ...query, username: 'alice', password: 'nope' }));
    expect(wrong.status).toBe(200);
    expect(await wrong.text()).toContain('The user name or password is wrong.');

    const signIn = await host.app.request('/identity/v1/authorize', formRequest({ ...query, username: 'alice', password: 'alice-demo-password' }));
    expect(signIn.status).toBe(303);
    const back = new URL(signIn.headers.get('location') as string);
    expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
    expect(back.searchParams.get('state')).toBe('s-123');
    expect(back.searchParams.get('iss')).toBe(issuer);
    const code = back.searchParams.get('code') as string;

    const exchange = { grant_type: 'authorization_code', client_id: 'cleave-web', code, redirect_uri: redirectUri };
    const wrongVerifier = await tokenRequest(host, { ...exchange, code_verifier: pkce().verifier });
    expectOAuthProblem(wrongVerifier.response, wrongVerifier.body, 400, 'invalid_grant', 'identity/invalid-grant');

    // The failed exchange used the code up: a new sign-in, then the right verifier.
    const again = await host.app.request('/identity/v1/authorize', formRequest({ ...query, username: 'alice', password: 'alice-demo-password' }));
    const code2 = new URL(again.headers.get('location') as string).searchParams.get('code') as string;
    const tokens = await tokenRequest(host, { ...exchange, code: code2, code_verifier: verifier });
    expect(tokens.response.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', scope: 'profile', refresh_token: expect.any(String) });
    const me = await host.app.request('/identity/v1/users/me', { headers: { authorization: `Bearer ${tokens.body.access_token as string}` } });
    expect(await me.json()).toMatchObject({ username: 'alice', roles: ['customer'], scopes: ['profile'] });

    const refreshed = await tokenRequest(host, { grant_type: 'refresh_token', client_id: 'cleave-web', refresh_token: tokens.body.refresh_token as string });
    expect(refreshed.response.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(tokens.body.refresh_token);

    // The code presented again ends the session its first use started (RFC 6749 §4.1.2).
    const reused = await tokenRequest(host, { ...exchange, code: code2, code_verifier: verifier });
    expectOAuthProblem(reused.response, reused.body, 400, 'invalid_grant', 'identity/invalid-grant');
    const afterReuse = await tokenRequest(host, {
      grant_type: 'refresh_token',
      client_id: 'cleave-web',
      refresh_token: refreshed.body.refresh_token as string,
    });
    expectOAuthProblem(afterReuse.response, afterReuse.body, 400, 'invalid_grant', 'identity/invalid-grant');
  });

  it('never redirects to an unregistered redirect URI; client faults go back to the client as error', async () => {
    const { challenge } = pkce();
    const base = {
      response_type: 'code',
      client_id: 'cleave-web',
      redirect_uri: redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st',
    };
    for (const bad of [{ redirect_uri: 'https://evil.test/cb' }, { client_id: 'nobody' }]) {
      const response = await host.app.request(`/identity/v1/authorize?${new URLSearchParams({ ...base, ...bad })}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.json()).toMatchObject({ code: 'identity/invalid-authorization-request' });
      const posted = await host.app.request('/identity/v1/authorize', formRequest({ ...base, ...bad, username: 'alice', password: 'alice-demo-password' }));
      expect(posted.status).toBe(400);
    }
    const noPkce = await host.app.request(`/identity/v1/authorize?${new URLSearchParams({ ...base, code_challenge_method: 'plain' })}`);
    expect(noPkce.status).toBe(303);
    const back = new URL(noPkce.headers.get('location') as string);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: 'invalid_request', state: 'st', iss: issuer });
    const token = await host.app.request(`/identity/v1/authorize?${new URLSearchParams({ ...base, response_type: 'token' })}`);
    expect(new URL(token.headers.get('location') as string).searchParams.get('error')).toBe('unsupported_response_type');
  });

  it('a refresh token used twice revokes its whole family', async () => {
    const first = await tokenRequest(host, { grant_type: 'password', client_id: 'cleave-web', username: 'sam', password: 'sam-demo-password' });
    const second = await tokenRequest(host, { grant_type: 'refresh_token', client_id: 'cleave-web', refresh_token: first.body.refresh_token as string });
    expect(second.response.status).toBe(200);
    const replay = await tokenRequest(host, { grant_type: 'refresh_token', client_id: 'cleave-web', refresh_token: first.body.refresh_token as string });
    expectOAuthProblem(replay.response, replay.body, 400, 'invalid_grant', 'identity/invalid-grant');
    const victim = await tokenRequest(host, { grant_type: 'refresh_token', client_id: 'cleave-web', refresh_token: second.body.refresh_token as string });
    expectOAuthProblem(victim.response, victim.body, 400, 'invalid_grant', 'identity/invalid-grant');
  });

  it('revocation (RFC 7009): a revoked refresh token stops working; unknown tokens answer 200; a bad client is 401', async () => {
    const tokens = await tokenRequest(host, { grant_type: 'password', client_id: 'cleave-web', username: 'sam', password: 'sam-demo-password' });
    const revoked = await host.app.request(
      '/identity/v1/revoke',
      formRequest({ token: tokens.body.refresh_token as string, token_type_hint: 'refresh_token', client_id: 'cleave-web' }),
    );
    expect(revoked.status).toBe(200);
    expect(revoked.headers.get('cache-control')).toBe('no-store');
    const after = await tokenRequest(host, { grant_type: 'refresh_token', client_id: 'cleave-web', refresh_token: tokens.body.refresh_token as string });
    expectOAuthProblem(after.response, after.body, 400, 'invalid_grant', 'identity/invalid-grant');
    expect((await host.app.request('/identity/v1/revoke', formRequest({ token: 'unknown', client_id: 'cleave-web' }))).status).toBe(200);
    const badClient = await host.app.request('/identity/v1/revoke', formRequest({ token: 'x' }, { authorization: basic(machine.id, 'wrong') }));
    expectOAuthProblem(badClient, (await badClient.json()) as Record<string, unknown>, 401, 'invalid_client', 'identity/invalid-client');
    const missing = await host.app.request('/identity/v1/revoke', formRequest({ client_id: 'cleave-web' }));
    expectOAuthProblem(missing, (await missing.json()) as Record<string, unknown>, 400, 'invalid_request', 'http/validation-failed');
  });

  it("revocation of another client's token (RFC 7009 §2.1) is 400 unauthorized_client and revokes nothing; one that no longer works answers 200", async () => {
    const tokens = await tokenRequest(host, { grant_type: 'password', client_id: 'cleave-web', username: 'sam', password: 'sam-demo-password' });
    const byMachine = (token: string) => host.app.request('/identity/v1/revoke', formRequest({ token }, { authorization: basic(machine.id, machine.secret) }));
    const refused = await byMachine(tokens.body.refresh_token as string);
    expectOAuthProblem(refused, (await refused.json()) as Record<string, unknown>, 400, 'unauthorized_client', 'identity/token-of-another-client');
    const still = await tokenRequest(host, { grant_type: 'refresh_token', client_id: 'cleave-web', refresh_token: tokens.body.refresh_token as string });
    expect(still.response.status).toBe(200);
    // The used token, the revoked family's, an unknown one: nothing to refuse, and nothing told about them.
    expect((await byMachine(tokens.body.refresh_token as string)).status).toBe(200);
    await host.app.request('/identity/v1/revoke', formRequest({ token: still.body.refresh_token as string, client_id: 'cleave-web' }));
    expect((await byMachine(still.body.refresh_token as string)).status).toBe(200);
    expect((await byMachine('unknown')).status).toBe(200);
  });

  it('refusals the platform answers carry the OAuth error their OpenAPI declares (415, 400 malformed form, a body too large)', async () => {
    for (const path of ['/identity/v1/token', '/identity/v1/revoke'] as const) {
      const answers = [
        await host.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
        await host.app.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=%zz' }),
        await host.app.request(path, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `token=${'x'.repeat(2_000_000)}`,
        }),
      ];
      for (const answer of answers) {
        const body = (await answer.json()) as Record<string, unknown>;
        expect({ path, status: answer.status, error: body.error }).toEqual({ path, status: answer.status, error: 'invalid_request' });
        expect(oauthAnswerErrors(path, answer.status, body)).toEqual([]);
      }
      expect(answers.map((a) => a.status)).toEqual([415, 400, 413]);
    }
  });

  it('revocations and the refusals decided before a grant is looked at are in the audit trail', async () => {
    const operator = await userToken(host, 'olga');
    const entries = async (action: string) => {
      const answer = await host.app.request(`/ops/audit/entries?module=identity&action=${action}&limit=500`, {
        headers: { authorization: `Bearer ${operator}` },
      });
      expect(answer.status).toBe(200);
      return ((await answer.json()) as { items: { target: string | null; outcome: string; detail: Record<string, unknown> }[] }).items;
    };
    const counts = async () => ({
      revoked: (await entries('identity.token-revoked')).length,
      revocationRefused: (await entries('identity.token-revocation-refused')).length,
      tokenRefused: (await entries('identity.token-refused')).length,
    });
    const before = await counts();

    const tokens = await tokenRequest(host, { grant_type: 'password', client_id: 'cleave-web', username: 'sam', password: 'sam-demo-password' });
    const refresh = tokens.body.refresh_token as string;
    // Another client's live token: refused, and recorded.
    expect((await host.app.request('/identity/v1/revoke', formRequest({ token: refresh }, { authorization: basic(machine.id, machine.secret) }))).status).toBe(
      400,
    );
    // A sign-out: one entry, naming the family; the same token again and an unknown one change nothing, and add none.
    for (const token of [refresh, refresh, 'unknown'])
      expect((await host.app.request('/identity/v1/revoke', formRequest({ token, client_id: 'cleave-web' }))).status).toBe(200);
    // Refusals the handler decides from the Authorization header alone, on both endpoints.
    const bearer = { authorization: 'Bearer not-basic' };
    expect((await host.app.request('/identity/v1/revoke', formRequest({ token: 'x' }, bearer))).status).toBe(401);
    expect((await host.app.request('/identity/v1/token', formRequest({ grant_type: 'client_credentials' }, bearer))).status).toBe(401);
    const both = { authorization: basic(machine.id, machine.secret) };
    expect((await host.app.request('/identity/v1/token', formRequest({ grant_type: 'client_credentials', client_secret: machine.secret }, both))).status).toBe(
      400,
    );
    expect((await host.app.request('/identity/v1/revoke', formRequest({ token: 'x', client_id: 'someone-else' }, both))).status).toBe(400);

    expect(await counts()).toEqual({ revoked: before.revoked + 1, revocationRefused: before.revocationRefused + 3, tokenRefused: before.tokenRefused + 2 });
    const [revocation] = await entries('identity.token-revoked');
    expect(revocation).toMatchObject({ outcome: 'success', detail: { clientId: 'cleave-web' } });
    const refusals = (await entries('identity.token-revocation-refused')).slice(0, 3).map((e) => e.detail.code);
    expect(refusals.sort()).toEqual(['identity/invalid-client', 'identity/invalid-request', 'identity/token-of-another-client']);
  });

  it('sign-up, the signed-in user, and the RFC 6750 answers without or with a bad token', async () => {
    const signUp = await host.app.request('/identity/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'newcomer', password: 'a long enough password' }),
    });
    expect(signUp.status).toBe(201);
    expect(await signUp.json()).toMatchObject({ username: 'newcomer', roles: ['customer'] });
    const taken = await host.app.request('/identity/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'newcomer', password: 'another password' }),
    });
    expect(taken.status).toBe(409);

    const token = (await tokenRequest(host, { grant_type: 'password', client_id: 'cleave-web', username: 'newcomer', password: 'a long enough password' }))
      .body;
    const me = await host.app.request('/identity/v1/users/me', { headers: { authorization: `Bearer ${token.access_token as string}` } });
    expect(await me.json()).toMatchObject({ username: 'newcomer', scopes: ['notifications:read', 'ordering:read', 'ordering:write', 'profile'] });

    const anonymous = await host.app.request('/identity/v1/users/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="cleave"');
    const forged = await host.app.request('/identity/v1/users/me', { headers: { authorization: 'Bearer abc.def.ghi' } });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toBe('Bearer realm="cleave", error="invalid_token"');
    const machineToken = (await tokenRequest(host, { grant_type: 'client_credentials' }, { authorization: basic(machine.id, machine.secret) })).body;
    const notUser = await host.app.request('/identity/v1/users/me', { headers: { authorization: `Bearer ${machineToken.access_token as string}` } });
    // The platform refuses it first: the route needs `profile`, which no machine client of this test holds.
    expect(await notUser.json()).toMatchObject({ status: 403, code: 'auth/insufficient-scope' });
    const bootstrap = (await tokenRequest(host, { grant_type: 'client_credentials' }, { authorization: basic('cleave-admin', testAdminSecret) })).body;
    const clientWithProfile = await host.app.request('/identity/v1/users/me', { headers: { authorization: `Bearer ${bootstrap.access_token as string}` } });
    expect(await clientWithProfile.json()).toMatchObject({ status: 403, code: 'identity/user-token-required' });
  });

  it('administration needs identity:admin: 401 without a token, 403 with too few scopes, and secrets are shown once', async () => {
    expect((await host.app.request('/identity/v1/keys')).status).toBe(401);
    const customer = await host.app.request('/identity/v1/keys', { headers: { authorization: `Bearer ${await userToken(host, 'alice')}` } });
    expect(customer.status).toBe(403);
    expect(customer.headers.get('www-authenticate')).toBe('Bearer realm="cleave", error="insufficient_scope", scope="identity:admin"');
    const admin = { authorization: `Bearer ${await userToken(host, 'olga')}` };
    const keys = (await (await host.app.request('/identity/v1/keys', { headers: admin })).json()) as { keys: { status: string }[] };
    expect(keys.keys.some((k) => k.status === 'active')).toBe(true);
    const unknownScope = await host.app.request('/identity/v1/clients', {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', scopes: ['root:all'] }),
    });
    expect(await unknownScope.json()).toMatchObject({ status: 422, code: 'identity/unknown-scope' });
    const list = (await (await host.app.request('/identity/v1/clients', { headers: admin })).json()) as { items: Record<string, unknown>[] };
    expect(list.items.map((c) => c.clientId)).toEqual(expect.arrayContaining(['cleave-web', machine.id]));
    expect(JSON.stringify(list)).not.toContain(machine.secret);
    expect(list.items.every((c) => !('clientSecret' in c) && !('secretHash' in c))).toBe(true);
  });

  it('registers a browser client (public, code + PKCE) that signs in at its redirect URI, and refuses bad ones', async () => {
    const admin = { authorization: `Bearer ${await userToken(host, 'olga')}`, 'content-type': 'application/json' };
    const put = (id: string, body: unknown) => host.app.request(`/identity/v1/clients/${id}`, { method: 'PUT', headers: admin, body: JSON.stringify(body) });
    const callback = 'https://ops.example/ops/callback';
    const registered = await put('ops-page', { name: 'Operations page', scopes: ['operator'], redirectUris: [callback, 'http://127.0.0.1:3000/ops/callback'] });
    expect(registered.status).toBe(200);
    expect(await registered.json()).toMatchObject({
      clientId: 'ops-page',
      type: 'public',
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['operator'],
    });
    // It works: the sign-in page accepts it with its registered redirect URI and PKCE, and refuses another URI.
    const { challenge } = pkce();
    const query = (uri: string) =>
      new URLSearchParams({ response_type: 'code', client_id: 'ops-page', redirect_uri: uri, code_challenge: challenge, code_challenge_method: 'S256' });
    expect((await host.app.request(`/identity/v1/authorize?${query(callback)}`)).status).toBe(200);
    expect((await host.app.request(`/identity/v1/authorize?${query('https://evil.example/ops/callback')}`)).status).toBe(400);
    // Replacing it changes its redirect URIs; it stays public.
    expect((await put('ops-page', { name: 'Operations page', scopes: ['operator'], redirectUris: ['https://ops2.example/ops/callback'] })).status).toBe(200);
    expect((await host.app.request(`/identity/v1/authorize?${query(callback)}`)).status).toBe(400);

    const bad = await put('ops-page', { name: 'x', scopes: ['operator'], redirectUris: ['http://ops.example/cb', 'https://ops.example/cb#frag'] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['redirectUris.0', 'redirectUris.1']);
    // User information in a redirect URI (RFC 9700 §4.1.1: exact, plain URIs; RFC 3986 §3.2.1 deprecates user:password@).
    for (const uri of ['https://user:pw@ops.example/cb', 'https://user@ops.example/cb', 'https://@ops.example/cb', 'http://u:p@127.0.0.1:3000/cb']) {
      const withUser = await put('ops-page', { name: 'x', scopes: ['operator'], redirectUris: [callback, uri] });
      expect(withUser.status).toBe(400);
      expect(await withUser.json()).toMatchObject({
        code: 'http/validation-failed',
        errors: [{ path: 'redirectUris.1', message: expect.stringContaining('user information') }],
      });
    }
    expect(await (await put('ops-page', { name: 'x', scopes: ['root:all'], redirectUris: [callback] })).json()).toMatchObject({
      code: 'identity/unknown-scope',
    });
    // The bootstrap client is never turned into a public one (nor is a confidential client: its secret would stop being asked for).
    expect(await (await put('cleave-admin', { name: 'x', scopes: ['operator'], redirectUris: [callback] })).json()).toMatchObject({
      status: 409,
      code: 'identity/client-not-public',
    });
  });

  it('a client secret never rests in the idempotency table: client registration takes no Idempotency-Key', async () => {
    const admin = { authorization: `Bearer ${await userToken(host, 'olga')}` };
    const register = () =>
      host.app.request('/identity/v1/clients', {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json', 'idempotency-key': 'same-key' },
        body: JSON.stringify({ name: 'Twice', scopes: [] }),
      });
    const [a, b] = [(await (await register()).json()) as { clientId: string }, (await (await register()).json()) as { clientId: string }];
    expect(a.clientId).not.toBe(b.clientId);
  });
});

describe('the token endpoint over its rate limit', () => {
  let database: TestDatabaseHandle;
  let host: Host;

  beforeAll(async () => {
    database = await testDatabases[0]!.open();
    host = await identityHost(database, { IDENTITY_PASSWORD_GRANT: 'true', RATE_LIMIT_TOKEN: '1/60s' });
  });
  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  it('a 429 is temporarily_unavailable (a client may retry later), keeping its code, Retry-After and RateLimit headers', async () => {
    const signIn = () => tokenRequest(host, { grant_type: 'password', client_id: 'cleave-web', username: 'alice', password: 'alice-demo-password' });
    expect((await signIn()).response.status).toBe(200);
    const { response, body } = await signIn();
    expect({ status: response.status, error: body.error, code: body.code }).toEqual({
      status: 429,
      error: 'temporarily_unavailable',
      code: 'http/too-many-requests',
    });
    expect(body).toMatchObject({ status: 429, error_description: expect.any(String) });
    expect(oauthAnswerErrors('/identity/v1/token', 429, body)).toEqual([]);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(response.headers.get('ratelimit')).toMatch(/"credentials";r=0;t=\d+/);
  });
});
