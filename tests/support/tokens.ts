/**
 * Access tokens for tests, from the real identity module: the bootstrap client `cleave-admin` (every scope), whose
 * secret test hosts and test processes are configured with.
 */
export const testAdminSecret = 'test-admin-secret-not-for-production';

const basic = `Basic ${Buffer.from(`cleave-admin:${testAdminSecret}`).toString('base64')}`;

interface Held {
  token: string;
  until: number;
}

const held = new WeakMap<object, Promise<Held>>();

/**
 * An access token with every scope from the identity module `fetchToken` reaches (a host's app, or a process over
 * HTTP), kept per `owner` until shortly before it expires.
 */
export async function adminToken(owner: object, send: (path: string, init: RequestInit) => Promise<Response> | Response): Promise<string> {
  const cached = held.get(owner);
  if (cached) {
    const got = await cached.catch(() => undefined);
    if (got && got.until > Date.now()) return got.token;
  }
  const pending = (async () => {
    const response = await send('/identity/v1/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
      body: 'grant_type=client_credentials',
    });
    const body = (await response.json()) as { access_token?: string; expires_in?: number };
    if (response.status !== 200 || !body.access_token) throw new Error(`no admin token: ${response.status} ${JSON.stringify(body)}`);
    return { token: body.access_token, until: Date.now() + (body.expires_in ?? 60) * 500 };
  })();
  held.set(owner, pending);
  return (await pending).token;
}

/** `headers` with the admin token added, unless they carry an `Authorization` of their own (an empty one is dropped). */
export async function withAdminToken(
  headers: Record<string, string>,
  owner: object,
  send: (path: string, init: RequestInit) => Promise<Response> | Response,
): Promise<Record<string, string>> {
  const own = Object.keys(headers).find((k) => k.toLowerCase() === 'authorization');
  if (own !== undefined) {
    if (headers[own] !== '') return headers;
    const { [own]: _dropped, ...rest } = headers;
    return rest;
  }
  return { ...headers, authorization: `Bearer ${await adminToken(owner, send)}` };
}

/**
 * A token of a machine client registered (once per `owner` and `name`) through identity's admin route, holding
 * `scopes`: another caller than the admin, for tests of what callers may see of each other.
 */
export async function clientToken(
  owner: { app: { request(path: string, init?: RequestInit): Response | Promise<Response> } },
  name: string,
  scopes: string[] = ['inventory:read'],
): Promise<string> {
  const send = (path: string, init: RequestInit) => owner.app.request(path, init);
  const admin = await adminToken(owner, send);
  const registered = await send('/identity/v1/clients', {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, scopes }),
  });
  const { clientId, clientSecret } = (await registered.json()) as { clientId: string; clientSecret: string };
  const response = await send('/identity/v1/token', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  return ((await response.json()) as { access_token: string }).access_token;
}
