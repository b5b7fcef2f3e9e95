import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modules as allModules } from '../../apps/modules.ts';
import { developmentModuleClientKey } from '../../platform/config/identity-settings.ts';
import type { Host } from '../../platform/host/index.ts';
import { bearerToken } from '../../platform/http/index.ts';
import { runInContext } from '../../platform/observability/index.ts';
import { moduleClientSecret } from '../../platform/security/index.ts';
import { testDatabases, type TestDatabaseHandle } from '../support/databases.ts';
import { startTestHost } from '../support/test-host.ts';
import { directCall } from '../support/direct-call.ts';

interface Operation {
  method: string;
  path: string;
  /** Absent: public. */
  access?: { scopes: string[]; modules: string[] };
}

interface Caller {
  name: string;
  /** The bearer token sent; none for the anonymous caller. */
  token?: string;
  scopes: ReadonlySet<string>;
  module?: string;
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** What the declared policy says of `caller` on `operation`: allowed, or the status a refusal has. */
function expected(operation: Operation, caller: Caller): 'allowed' | 401 | 403 {
  const access = operation.access;
  if (!access) return 'allowed';
  if (!caller.token) return 401;
  if (caller.module !== undefined && (access.modules.includes(caller.module) || access.modules.includes('*'))) return 'allowed';
  if (access.scopes.length === 0) return access.modules.length === 0 ? 'allowed' : 403;
  return access.scopes.every((s) => caller.scopes.has(s)) ? 'allowed' : 403;
}

/**
 * The authorization matrix, generated from the OpenAPI document: every operation, as every kind of caller
 * (anonymous, a customer, another user, an operator, each module with its own token), over HTTP, and every module
 * operation as each module calling it in-process (with the end user it calls for). Each answer must agree with the
 * access the operation declares: a refusal exactly where the policy refuses (401 anonymous, 403 otherwise), and no
 * 401/403 where it admits (the request may still fail validation, which comes after access).
 */
describe.each(testDatabases)('authorization matrix on $name', (testDatabase) => {
  let database: TestDatabaseHandle;
  let host: Host;
  let operations: Operation[];
  const callers: Caller[] = [{ name: 'anonymous', scopes: new Set() }];

  beforeAll(async () => {
    database = await testDatabase.open();
    host = await startTestHost({ database, modules: allModules, env: { IDENTITY_PASSWORD_GRANT: 'true' } });
    await host.seed();
    const document = (await (await host.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { 'x-cleave-access'?: Operation['access']; security?: unknown[] }>>;
    };
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        ...(op['x-cleave-access'] ? { access: op['x-cleave-access'] } : {}),
      })),
    );
    const scopesOf = async (token: string) => (await host.security.verifier?.verify(token))?.scopes ?? new Set<string>();
    const token = async (fields: Record<string, string>, headers: Record<string, string> = {}) => {
      const init = form(fields);
      const response = await host.app.request('/identity/v1/token', { ...init, headers: { ...init.headers, ...headers } });
      const body = (await response.json()) as { access_token?: string };
      if (!body.access_token) throw new Error(`no token for ${JSON.stringify(fields)}: ${JSON.stringify(body)}`);
      return body.access_token;
    };
    const users = [
      ['customer (alice)', 'alice'],
      ['another user (sam, staff)', 'sam'],
      ['operator (olga)', 'olga'],
    ] as const;
    for (const [name, username] of users) {
      const t = await token({ grant_type: 'password', client_id: 'cleave-web', username, password: `${username}-demo-password` });
      callers.push({ name, token: t, scopes: await scopesOf(t) });
    }
    for (const m of allModules) {
      const secret = moduleClientSecret(developmentModuleClientKey, m.name);
      const basic = `Basic ${Buffer.from(`${encodeURIComponent(`module:${m.name}`)}:${encodeURIComponent(secret)}`).toString('base64')}`;
      const t = await token({ grant_type: 'client_credentials' }, { authorization: basic });
      callers.push({ name: `module ${m.name}`, token: t, scopes: await scopesOf(t), module: m.name });
    }
  }, 120_000);

  afterAll(async () => {
    await host?.stop();
    await database?.close();
  });

  const concrete = (path: string) => path.replace(/\{[^}]+\}/g, () => randomUUID());
  /**
   * Whether the answer is an access refusal (401, or 403 `auth/…`), not the operation's own 403 once access passed: the
   * HTTP matrix erases alice (her own `users/me/erasure`), after which ordering refuses her a cart with
   * `ordering/customer-erased`, a domain answer.
   */
  const deniedAccess = async (response: Response) =>
    response.status === 401 || (response.status === 403 && ((await response.clone().json()) as { code?: string }).code?.startsWith('auth/') === true);

  it('covers every operation of every module and of the platform', () => {
    expect(operations.length).toBeGreaterThan(20);
    expect(operations.filter((o) => o.access).length).toBeGreaterThan(10);
    expect(operations.some((o) => o.path.startsWith('/ops/'))).toBe(true);
  });

  it('over HTTP, every operation answers every caller as its declared access says', async () => {
    const disagreements: string[] = [];
    let checked = 0;
    for (const operation of operations) {
      for (const caller of callers) {
        const unsafe = !['GET', 'HEAD'].includes(operation.method);
        const response = await host.app.request(concrete(operation.path), {
          method: operation.method,
          headers: { ...(caller.token ? { authorization: `Bearer ${caller.token}` } : {}), ...(unsafe ? { 'content-type': 'application/json' } : {}) },
          ...(unsafe ? { body: '{}' } : {}),
        });
        const want = expected(operation, caller);
        const got = response.status;
        const denied = await deniedAccess(response);
        const agrees = want === 'allowed' ? !denied : got === want && denied;
        if (!agrees) disagreements.push(`${operation.method} ${operation.path} as ${caller.name}: expected ${want}, got ${got}`);
        if (denied) {
          expect(response.headers.get('content-type')).toContain('application/problem+json');
          expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="cleave"/);
        }
        checked++;
      }
    }
    expect(disagreements).toEqual([]);
    expect(checked).toBe(operations.length * callers.length);
  }, 300_000);

  it('on the direct in-process path, each module calling for each user is held to the same policy', async () => {
    const disagreements: string[] = [];
    const users = callers.filter((c) => c.token && !c.module);
    // Protected module operations (the public ones include the OAuth form endpoints, which only HTTP serves).
    const moduleOperations = operations.filter((o) => o.access && /^\/[a-z-]+\/v\d+\//.test(o.path));
    for (const operation of moduleOperations) {
      for (const m of allModules) {
        for (const user of [undefined, ...users]) {
          // The module's own principal, with the user it calls for: admitted if the module is named, or the user holds the scopes.
          const acting: Caller = { name: `module ${m.name} for ${user?.name ?? 'nobody'}`, token: 'handle', scopes: user?.scopes ?? new Set(), module: m.name };
          const want = expected(operation, acting);
          const response = await directCall(
            host,
            m.name,
            operation.method,
            concrete(operation.path),
            ['GET', 'HEAD'].includes(operation.method) ? undefined : {},
            {
              authorization: user?.token ? `Bearer ${user.token}` : '',
            },
          );
          const got = response.status;
          const denied = await deniedAccess(response);
          const agrees = want === 'allowed' ? !denied : got === want && denied;
          if (!agrees) disagreements.push(`${operation.method} ${operation.path} as ${acting.name}: expected ${want}, got ${got}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
  }, 300_000);

  it('a handle the host did not issue is refused on the direct path, even with a user who holds the scopes', async () => {
    const operator = callers.find((c) => c.name.startsWith('operator'));
    const token = bearerToken(`Bearer ${operator?.token ?? ''}`) as string;
    const principal = await host.security.verifier?.verify(token);
    const route = host.modules.find((m) => m.definition.name === 'inventory')?.definition.contract.routes.getStock;
    expect(route).toBeDefined();
    const forged = Object.freeze({ module: 'catalog' });
    const attempt = runInContext({ correlationId: randomUUID(), ...(principal ? { principal } : {}) }, () =>
      host.direct.dispatch('inventory', {
        route: route as never,
        input: { params: { productId: randomUUID() } },
        options: {},
        caller: 'catalog',
        handle: forged,
      }),
    );
    await expect(attempt).rejects.toMatchObject({ problem: { status: 401, code: 'auth/unauthenticated' } });
  });
  it('a 401 says what was wrong with the Authorization header: missing, another scheme, an empty or a malformed bearer token', async () => {
    const details = [];
    for (const authorization of [undefined, 'Basic dXNlcjpwYXNz', 'Bearer ', 'Bearer', 'Bearer two tokens']) {
      const answer = await host.app.request('/ops/dead-letters', { headers: authorization === undefined ? {} : { authorization } });
      expect(answer.status).toBe(401);
      details.push(((await answer.json()) as { detail: string }).detail);
    }
    expect(details).toEqual([
      'This operation needs an access token (Authorization: Bearer <token>).',
      'This operation needs a bearer access token (Authorization: Bearer <token>); other schemes are not accepted.',
      'The bearer token is empty (Authorization: Bearer <token>).',
      'The bearer token is empty (Authorization: Bearer <token>).',
      'The bearer token is malformed: one token of letters, digits and - . _ ~ + / (then = padding) after "Bearer ".',
    ]);
  });
});
