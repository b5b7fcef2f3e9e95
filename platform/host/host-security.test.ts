import { describe, expect, it } from 'vitest';
import { testLogger } from '../../tests/support/test-host.ts';
import { loadConfig } from '../config/index.ts';
import type { ModuleAnswer, ModuleCall } from '../contracts/http-send.ts';
import { isDomainError } from '../http/index.ts';
import { createHostSecurity } from './host-security.ts';

const json = (status: number, body: unknown, headers: Record<string, string> = {}): ModuleAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: new TextEncoder().encode(JSON.stringify(body)),
});

/** A host's security with identity elsewhere, answering token requests as `answer` says; counts the requests. */
function security(answer: (n: number) => ModuleAnswer | Promise<ModuleAnswer>) {
  const requests: ModuleCall[] = [];
  const config = loadConfig({ DATA_DIR: 'memory', LOG_LEVEL: 'silent', MODULE_CLIENT_KEY: Buffer.alloc(32, 7).toString('base64') });
  const host = createHostSecurity({
    config,
    identity: 'remote',
    log: testLogger(),
    send: async (_module, call) => {
      requests.push(call);
      return answer(requests.length);
    },
  });
  const call = (): ModuleCall => ({ method: 'GET', target: '/catalog/v1/products', headers: { 'x-cleave-caller': 'ordering' } });
  return { host, requests, call };
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isDomainError(error)) throw new Error(`expected a domain error, got ${String(error)}`);
  return error;
}

describe('module tokens of a host whose identity module runs elsewhere', () => {
  it('a call carries the module token; one token request serves every call until it is due for renewal', async () => {
    const { host, requests, call } = security(() => json(200, { access_token: 'tok-1', expires_in: 300 }));
    const sent = await Promise.all([host.withCredentials(call()), host.withCredentials(call()), host.withCredentials(call())]);
    expect(sent.map((c) => c.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1']);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.target).toBe('/identity/v1/token');
  });

  it('identity rate-limits the token request: calls are refused as retryable (503, its Retry-After), not sent without a token, and identity is not asked again before then', async () => {
    const { host, requests, call } = security(() =>
      json(429, { status: 429, code: 'http/too-many-requests', title: 'Too Many Requests' }, { 'retry-after': '7' }),
    );
    const first = await refusal(host.withCredentials(call()));
    expect(first).toMatchObject({ kind: 'unavailable', code: 'http/upstream-unavailable' });
    expect(first.message).toMatch(/No access token for module ordering: identity answered the token request with 429/);
    expect(first.retryAfterSeconds).toBeGreaterThanOrEqual(6);
    expect(first.retryAfterSeconds).toBeLessThanOrEqual(7);
    // Ten more calls within the Retry-After: refused at once, no token request.
    for (let i = 0; i < 10; i++) expect((await refusal(host.withCredentials(call()))).kind).toBe('unavailable');
    expect(requests).toHaveLength(1);
  });

  it('once the wait is over the next call asks again, and gets its token', async () => {
    const { host, requests, call } = security((n) =>
      n === 1
        ? json(503, { status: 503, code: 'http/upstream-unavailable', title: 'Service Unavailable' })
        : json(200, { access_token: 'tok-2', expires_in: 300 }),
    );
    const refused = await refusal(host.withCredentials(call()));
    expect(refused.retryAfterSeconds).toBe(1);
    // No Retry-After: the next request may go after about a second.
    let sent: ModuleCall | undefined;
    const deadline = Date.now() + 30_000;
    while (!sent && Date.now() < deadline) {
      sent = await host.withCredentials(call()).catch(() => undefined);
      if (!sent) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(sent?.headers.authorization).toBe('Bearer tok-2');
    expect(requests).toHaveLength(2);
  });

  it('a call from no module, or from a module with no client secret, goes as it came', async () => {
    const { host, requests } = security(() => json(500, {}));
    const plain: ModuleCall = { method: 'GET', target: '/catalog/v1/products', headers: {} };
    expect(await host.withCredentials(plain)).toBe(plain);
    expect(requests).toHaveLength(0);
  });
});

describe('the host credentials check', () => {
  it('warns, naming the module and its secret variable, while identity refuses the module’s client; passes once it holds a token', async () => {
    let secretRight = false;
    const { host } = security(() =>
      secretRight
        ? json(200, { access_token: 'tok-1', expires_in: 300 })
        : json(401, { status: 401, code: 'identity/invalid-client', error: 'invalid_client', title: 'Unauthorized' }),
    );
    const check = host.credentialsCheck(['ordering']);
    if (!check) throw new Error('no credentials check for a host whose identity runs elsewhere');
    expect(check.critical).toBe(false);
    await expect(check.check()).rejects.toThrow(
      /no access token from identity for ordering \(identity answered the token request with 401.*check ORDERING_CLIENT_SECRET\)/,
    );
    secretRight = true;
    await new Promise((r) => setTimeout(r, 1100));
    await expect(check.check()).resolves.toBe('ordering holds an access token');
  });

  it('is absent where identity runs in the process, or nothing needs a token', () => {
    const config = loadConfig({ DATA_DIR: 'memory', LOG_LEVEL: 'silent', MODULE_CLIENT_KEY: Buffer.alloc(32, 7).toString('base64') });
    const local = createHostSecurity({ config, identity: 'local', log: testLogger(), send: () => Promise.reject(new Error('not sent')) });
    expect(local.credentialsCheck(['ordering'])).toBeUndefined();
    expect(security(() => json(200, {})).host.credentialsCheck([])).toBeUndefined();
  });
});
