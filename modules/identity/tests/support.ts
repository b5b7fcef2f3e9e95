import { createHash, randomBytes } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { Host } from '../../../platform/host/index.ts';
import type { TestDatabaseHandle } from '../../../tests/support/databases.ts';
import { startTestHost } from '../../../tests/support/test-host.ts';
import { identityModule } from '../index.ts';

export const issuer = 'https://id.test';
export const redirectUri = `${issuer}/ops/callback`;

/** A host serving identity alone, with its demo accounts and the `cleave-web` client. */
export async function identityHost(database: TestDatabaseHandle, env: Record<string, string> = {}): Promise<Host> {
  const host = await startTestHost({
    database,
    modules: [identityModule],
    env: { IDENTITY_ISSUER: issuer, IDENTITY_KEY_ACTIVATION_DELAY: '0', IDENTITY_KEY_CACHE: '0', ...env },
  });
  await host.seed();
  return host;
}

export function formRequest(fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() };
}

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export async function tokenRequest(host: Host, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await host.app.request('/identity/v1/token', formRequest(fields, headers));
  return { response, body: (await response.json()) as Record<string, unknown> };
}

/** A password-grant access token for a demo user (the grant must be enabled on `host`). */
export async function userToken(host: Host, username: 'alice' | 'sam' | 'olga'): Promise<string> {
  const { body } = await tokenRequest(host, { grant_type: 'password', client_id: 'cleave-web', username, password: `${username}-demo-password` });
  return body.access_token as string;
}

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Verifies `token` the way a remote resource server would: against the published JWKS document only. */
export async function verifyWithPublishedKeys(host: Host, token: string) {
  const jwks = (await (await host.app.request('/.well-known/jwks.json')).json()) as JSONWebKeySet;
  return jwtVerify(token, createLocalJWKSet(jwks), { issuer, audience: 'cleave', typ: 'at+jwt', algorithms: ['ES256'] });
}
