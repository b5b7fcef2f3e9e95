import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules as allModules } from '../../apps/modules.ts';
import { openDatabase, type DatabaseHandle } from '../../platform/db/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { moduleClientSecret } from '../../platform/security/module-credentials.ts';
import { createScratchDatabase, postgresUrl, redisUrl } from '../support/databases.ts';
import { redisPrefix, startProcessHost, type ProcessHost } from '../support/process-host.ts';
import { startTestHost } from '../support/test-host.ts';
import { adminToken, testAdminSecret } from '../support/tokens.ts';
import { Answers, findSecrets, roleWithPassword, type Secret } from './secret-scan.ts';
import { openTestPglite } from '../support/pglite-image.ts';

/**
 * Secrets never leave in logs or answers. A full journey (sign-up, password and refresh grants, a refresh token
 * reused, wrong credentials, the authorization code flow with PKCE and revocation, a registered client and its token,
 * protected calls, forged and missing tokens, a validation error on a password, the operator pages) runs with every log line kept at debug level and every answer
 * recorded; then each secret used is searched for everywhere, except in the one answer that hands it out.
 */
const kek = randomBytes(32).toString('base64');
const dataKek = `data1:${randomBytes(32).toString('base64')}`;
const moduleKey = randomBytes(32).toString('base64');
const configured = (): Secret[] => [
  { name: 'IDENTITY_KEK', value: kek },
  { name: 'DATA_KEK', value: dataKek.slice('data1:'.length) },
  { name: 'MODULE_CLIENT_KEY', value: moduleKey },
  { name: 'IDENTITY_ADMIN_SECRET', value: testAdminSecret },
  ...allModules.map((m) => ({ name: `module client secret of ${m.name}`, value: moduleClientSecret(Buffer.from(moduleKey, 'base64'), m.name) })),
];
const issuer = 'https://id.test';
const redirectUri = `${issuer}/ops/callback`;
const secretEnv = {
  IDENTITY_KEK: kek,
  DATA_KEK: dataKek,
  MODULE_CLIENT_KEY: moduleKey,
  IDENTITY_PASSWORD_GRANT: 'true',
  IDENTITY_KEY_ACTIVATION_DELAY: '0',
  IDENTITY_ISSUER: issuer,
};

type Init = RequestInit & { headers: Record<string, string> };

const form = (fields: Record<string, string>, headers: Record<string, string> = {}): Init => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});
const json = (method: string, body: unknown, headers: Record<string, string> = {}): Init => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('secrets in a full journey on one host', () => {
  const logLines: Record<string, unknown>[] = [];
  const answers = new Answers();
  const secrets: Secret[] = configured();
  let database: DatabaseHandle;
  let host: Host;
  let cleanUp: () => Promise<void> = async () => {};

  beforeAll(async () => {
    let env: Record<string, string> = secretEnv;
    if (postgresUrl) {
      // A database URL with a password, as production has: the configuration and the database handle carry it.
      const scratch = await createScratchDatabase(postgresUrl);
      const role = await roleWithPassword(postgresUrl);
      const url = role.urlFor(scratch.url);
      secrets.push({ name: 'database password', value: role.password });
      database = await openDatabase({ url, maxConnections: 10 });
      env = { ...secretEnv, DATABASE_URL: url };
      cleanUp = async () => {
        await scratch.drop();
        await role.drop();
      };
    } else database = await openTestPglite();
    host = await startTestHost({ database, env, logLines });
    await host.seed();
  }, 60_000);

  afterAll(async () => {
    await host?.stop();
    await database?.close();
    await cleanUp();
  });

  it('never shows a password, token, client secret or key in a log line or an answer', async () => {
    const send = (path: string, init?: RequestInit) => host.app.request(path, init);
    const record = async (where: string, path: string, init?: RequestInit, handsOut: string[] = []) => answers.record(where, await send(path, init), handsOut);
    const admin = await adminToken(host, send);
    secrets.push({ name: 'admin access token', value: admin });

    const username = `journey-${randomBytes(3).toString('hex')}`;
    const password = `Journey-pa55word-${randomBytes(6).toString('hex')}`;
    const wrongPassword = `Wrong-pa55word-${randomBytes(6).toString('hex')}`;
    const shortPassword = `S${randomBytes(3).toString('hex')}`;
    secrets.push({ name: 'password', value: password }, { name: 'wrong password', value: wrongPassword }, { name: 'too short password', value: shortPassword });

    // Personal data kept encrypted at rest is no secret to its owner, but it never reaches a log line either.
    const email = `Journey.${randomBytes(4).toString('hex')}@example.org`;
    secrets.push({ name: 'e-mail address', value: email });
    expect((await record('sign-up', '/identity/v1/users', json('POST', { username, password, email }), ['e-mail address'])).status).toBe(201);
    const short = await record('sign-up with a short password', '/identity/v1/users', json('POST', { username: `${username}-2`, password: shortPassword }));
    expect(short.status).toBe(400);

    const grant = await record('the password grant', '/identity/v1/token', form({ grant_type: 'password', client_id: 'cleave-web', username, password }), [
      'user access token',
      'refresh token',
    ]);
    expect(grant.status).toBe(200);
    const access = grant.body.access_token as string;
    const refresh = grant.body.refresh_token as string;
    secrets.push({ name: 'user access token', value: access }, { name: 'refresh token', value: refresh });
    const wrong = await record(
      'the password grant with a wrong password',
      '/identity/v1/token',
      form({ grant_type: 'password', client_id: 'cleave-web', username, password: wrongPassword }),
    );
    expect(wrong.status).toBe(400);

    const refreshed = await record(
      'the refresh grant',
      '/identity/v1/token',
      form({ grant_type: 'refresh_token', client_id: 'cleave-web', refresh_token: refresh }),
      ['refreshed access token', 'second refresh token'],
    );
    expect(refreshed.status).toBe(200);
    secrets.push(
      { name: 'refreshed access token', value: refreshed.body.access_token as string },
      { name: 'second refresh token', value: refreshed.body.refresh_token as string },
    );
    const reused = await record(
      'a refresh token used again',
      '/identity/v1/token',
      form({ grant_type: 'refresh_token', client_id: 'cleave-web', refresh_token: refresh }),
    );
    expect(reused.status).toBe(400);
    expect((await record('the signed-in user', '/identity/v1/users/me', { headers: bearer(access) }, ['e-mail address'])).status).toBe(200);
    const byEmail = await record('a user found by e-mail', `/identity/v1/users?email=${encodeURIComponent(email.toLowerCase())}`, { headers: bearer(admin) }, [
      'e-mail address',
    ]);
    expect(byEmail.body).toMatchObject({ items: [{ username, email }] });

    const registered = await record(
      'client registration',
      '/identity/v1/clients',
      json('POST', { name: 'secrets journey', scopes: ['catalog:write', 'inventory:read', 'inventory:write'] }, bearer(admin)),
      ['client secret'],
    );
    expect(registered.status).toBe(201);
    const clientId = registered.body.clientId as string;
    const clientSecret = registered.body.clientSecret as string;
    secrets.push({ name: 'client secret', value: clientSecret }, { name: 'client Basic credentials', value: basic(clientId, clientSecret).slice(6) });
    const machine = await record(
      'the client-credentials grant',
      '/identity/v1/token',
      form({ grant_type: 'client_credentials' }, { authorization: basic(clientId, clientSecret) }),
      ['client access token'],
    );
    expect(machine.status).toBe(200);
    const token = machine.body.access_token as string;
    secrets.push({ name: 'client access token', value: token });
    const badClient = await record(
      'the client-credentials grant with a wrong secret',
      '/identity/v1/token',
      form({ grant_type: 'client_credentials' }, { authorization: basic(clientId, wrongPassword) }),
    );
    expect(badClient.status).toBe(401);

    const sku = `S-${randomUUID().slice(0, 8)}`;
    const product = await record(
      'create product',
      '/catalog/v1/products',
      json('POST', { sku, name: 'Secret journey', price: { amount: 100, currency: 'EUR' } }, bearer(token)),
    );
    expect(product.status).toBe(201);
    const id = product.body.id as string;
    expect((await record('receive stock', `/inventory/v1/stock/${id}/receipts`, json('POST', { quantity: 5 }, bearer(token)))).status).toBe(200);
    const reserve = await record('reserve', `/inventory/v1/reservations/${randomUUID()}`, json('PUT', { productId: id, quantity: 2 }, bearer(token)));
    expect(reserve.status).toBe(201);
    // A client naming a user it acts for: the header is not trusted from outside, and never echoed.
    const onBehalf = await record('a call naming a user to act for', `/inventory/v1/stock/${id}`, {
      headers: { ...bearer(token), 'cleave-on-behalf-of': access },
    });
    expect(onBehalf.status).toBeLessThan(500);

    const forged = `${token.slice(0, -6)}AAAAAA`;
    secrets.push({ name: 'forged token', value: forged });
    expect(
      (await record('a forged token', '/catalog/v1/products', json('POST', { sku: 'F-1', name: 'x', price: { amount: 1, currency: 'EUR' } }, bearer(forged))))
        .status,
    ).toBe(401);
    expect((await record('no token', '/identity/v1/users/me')).status).toBe(401);

    // The authorization code flow with PKCE: a wrong password on the sign-in page, the code, the verifier, revocation.
    const verifier = randomBytes(32).toString('base64url');
    const authorize = {
      response_type: 'code',
      client_id: 'cleave-web',
      redirect_uri: redirectUri,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 'journey',
      scope: 'profile',
    };
    secrets.push({ name: 'code verifier', value: verifier });
    expect((await record('the sign-in page', `/identity/v1/authorize?${new URLSearchParams(authorize)}`)).status).toBe(200);
    const wrongSignIn = await record('sign-in with a wrong password', '/identity/v1/authorize', form({ ...authorize, username, password: wrongPassword }));
    expect(wrongSignIn.status).toBe(200);
    const signIn = await send('/identity/v1/authorize', form({ ...authorize, username, password }));
    const code = new URL(signIn.headers.get('location') ?? 'http://x/').searchParams.get('code') ?? '';
    secrets.push({ name: 'authorization code', value: code });
    expect((await answers.record('sign-in', signIn, ['authorization code'])).status).toBe(303);
    const exchange = { grant_type: 'authorization_code', client_id: 'cleave-web', code, redirect_uri: redirectUri, code_verifier: verifier };
    const exchanged = await record('the code exchange', '/identity/v1/token', form(exchange), ['code-flow access token', 'code-flow refresh token']);
    expect(exchanged.status).toBe(200);
    secrets.push(
      { name: 'code-flow access token', value: exchanged.body.access_token as string },
      { name: 'code-flow refresh token', value: exchanged.body.refresh_token as string },
    );
    expect((await record('the code exchanged again', '/identity/v1/token', form(exchange))).status).toBe(400);
    const revoke = form({ token: exchanged.body.refresh_token as string, client_id: 'cleave-web' });
    expect((await record('revocation', '/identity/v1/revoke', revoke)).status).toBe(200);

    for (const path of ['/registry', '/ops/dead-letters', '/ops/events/subscriptions', '/openapi.json', '/health/live', '/health/ready', '/']) {
      expect((await record(path, path, { headers: bearer(admin) })).status, path).toBeLessThan(400);
    }

    expect(logLines.length).toBeGreaterThan(20);
    expect(
      logLines.some((l) => l.level === 20),
      'debug lines are kept',
    ).toBe(true);
    expect(findSecrets(secrets, logLines, answers.seen)).toEqual([]);
  });

  it('the search finds a secret where one is', () => {
    const secret = { name: 'probe', value: 'probe-secret-value-1234' };
    const finds = findSecrets([secret], [{ msg: `x ${secret.value}` }], [{ where: 'probe', text: secret.value, handsOut: [] }]);
    expect(finds).toEqual([expect.stringMatching(/^probe in log line 0/), 'probe in the answer to probe']);
    expect(findSecrets([secret], [], [{ where: 'issuer', text: secret.value, handsOut: ['probe'] }])).toEqual([]);
  });
});

describe('secrets in the output of a host process', () => {
  let processHost: ProcessHost;
  const secrets: Secret[] = configured();
  let cleanUp: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const env: Record<string, string> = { ...secretEnv, LOG_LEVEL: 'debug', DEMO_DATA: 'true' };
    if (postgresUrl) {
      const scratch = await createScratchDatabase(postgresUrl);
      const role = await roleWithPassword(postgresUrl);
      secrets.push({ name: 'database password', value: role.password });
      env.DATABASE_URL = role.urlFor(scratch.url);
      cleanUp = async () => {
        await scratch.drop();
        await role.drop();
      };
    }
    if (redisUrl) {
      // The test Redis asks for no password; its `default` user (nopass) takes any, so the URL can carry one.
      const password = `redis-pa55-${randomBytes(9).toString('hex')}`;
      const url = new URL(redisUrl);
      url.username = 'default';
      url.password = password;
      secrets.push({ name: 'Redis password', value: password });
      Object.assign(env, { REDIS_URL: url.toString(), REDIS_PREFIX: redisPrefix() });
    }
    processHost = await startProcessHost({ env });
  }, 120_000);

  afterAll(async () => {
    await processHost?.stop();
    await cleanUp();
  });

  it('prints no secret from start to shutdown', async () => {
    const password = `Process-pa55word-${randomBytes(6).toString('hex')}`;
    const username = `process-${randomBytes(3).toString('hex')}`;
    secrets.push({ name: 'password', value: password }, { name: 'admin access token', value: await processHost.token() });
    expect((await processHost.fetch('/identity/v1/users', json('POST', { username, password }, { authorization: '' }))).status).toBe(201);
    const grant = await processHost.fetch(
      '/identity/v1/token',
      form({ grant_type: 'password', client_id: 'cleave-web', username, password }, { authorization: '' }),
    );
    const tokens = (await grant.json()) as { access_token: string; refresh_token: string };
    secrets.push({ name: 'access token', value: tokens.access_token }, { name: 'refresh token', value: tokens.refresh_token });
    const wrong = await processHost.fetch(
      '/identity/v1/token',
      form({ grant_type: 'password', client_id: 'cleave-web', username, password: `${password}x` }, { authorization: '' }),
    );
    expect(wrong.status).toBe(400);
    await wrong.arrayBuffer();
    expect((await processHost.fetch('/identity/v1/users/me', { headers: bearer(`${tokens.access_token.slice(0, -4)}AAAA`) })).status).toBe(401);
    expect((await processHost.fetch('/registry')).status).toBe(200);
    await processHost.stop();
    expect(processHost.output()).toContain('Cleave is ready');
    // The URLs with passwords were used, and shown masked.
    if (postgresUrl) expect(processHost.output()).toMatch(/PostgreSQL postgres:\/\/cleave_secret_\w+:\[redacted\]@/);
    if (redisUrl) expect(processHost.output()).toContain('"bus":"bullmq"');
    expect(findSecrets(secrets, [], [], processHost.output())).toEqual([]);
  });
});
