import { timingSafeEqual } from 'node:crypto';
import { moduleClientSecret } from '../../../platform/security/index.ts';
import { InvalidClient } from '../domain/errors.ts';
import { digest, findClient } from '../infrastructure/identity-repository.ts';
import type { IdentityDeps } from './identity-deps.ts';

/** A client, as the token endpoint sees it after authentication. */
export interface AuthenticatedClient {
  id: string;
  confidential: boolean;
  grantTypes: readonly string[];
  scopes: ReadonlySet<string>;
  redirectUris: readonly string[];
  /** Set for a module's own client (`module:<name>`). */
  module?: string;
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * The secret as presented, and, when it holds spaces, as sent before HTTP Basic's form-decoding made its `+` spaces:
 * RFC 6749 §2.3.1 has the client form-encode the secret first, but `curl -u id:secret` and most clients do not, so a
 * base64 secret (`openssl rand -base64 32`, `+` in half of them) would fail half the time.
 */
const readings = (secret: string): string[] => (secret.includes(' ') ? [secret, secret.replaceAll(' ', '+')] : [secret]);
const matches = (secret: string, expected: string) => readings(secret).some((s) => same(s, expected));

/**
 * The bootstrap client: client credentials with every scope, its secret from `IDENTITY_ADMIN_SECRET`. For the first
 * operator steps (registering clients, reading `/ops`) and automation; it exists only while the secret is set.
 */
export const adminClientId = 'cleave-admin';

/**
 * Authenticates the client of a token request (RFC 6749 §2.3): confidential clients by their secret, public clients by
 * their id alone (they must then use PKCE), module clients by the secret derived from the module client key. Every
 * failure is the same `invalid_client`.
 */
const controlCharacter = /\p{Cc}/u;

export async function authenticateClient(deps: IdentityDeps, clientId: string | undefined, secret: string | undefined): Promise<AuthenticatedClient> {
  // No client id holds a control character; the database could not even look one with NUL up (HTTP Basic credentials
  // are decoded here, not checked by the form's text rule).
  if (!clientId || controlCharacter.test(clientId)) throw new InvalidClient();
  if (clientId.startsWith('module:')) {
    const module = clientId.slice('module:'.length);
    const scopes = deps.moduleScopes(module);
    const key = deps.settings.moduleClientKey;
    if (!scopes || !key || !secret || !matches(secret, moduleClientSecret(key, module))) throw new InvalidClient();
    return { id: clientId, confidential: true, grantTypes: ['client_credentials'], scopes: new Set(scopes), redirectUris: [], module };
  }
  if (clientId === adminClientId) {
    const expected = deps.settings.adminSecret;
    if (!expected || !secret || !matches(secret, expected)) throw new InvalidClient();
    return { id: clientId, confidential: true, grantTypes: ['client_credentials'], scopes: new Set(deps.knownScopes), redirectUris: [] };
  }
  const client = await findClient(deps.db, clientId);
  if (!client) throw new InvalidClient();
  if (client.secretHash === null) {
    if (secret !== undefined) throw new InvalidClient();
  } else if (!secret || !readings(secret).some((s) => same(digest(s), client.secretHash as string))) {
    throw new InvalidClient();
  }
  return {
    id: client.id,
    confidential: client.secretHash !== null,
    grantTypes: client.grantTypes,
    scopes: new Set(client.scopes),
    redirectUris: client.redirectUris,
  };
}
