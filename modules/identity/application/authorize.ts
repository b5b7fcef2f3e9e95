import { InvalidClient, InvalidGrant, InvalidScope } from '../domain/errors.ts';
import { grantScopes, scopesOfRoles } from '../domain/scopes.ts';
import { digest, findClient, findUserByName, insertAuthorizationCode, opaqueToken } from '../infrastructure/identity-repository.ts';
import { decoyHash, verifyPassword } from '../infrastructure/passwords.ts';
import type { IdentityDeps } from './identity-deps.ts';

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  codeChallengeMethod: string;
  scope?: string | undefined;
  username: string;
  password: string;
}

/**
 * The authorization endpoint's decision (RFC 6749 §4.1, RFC 7636): a registered client with an exactly registered
 * redirect URI, PKCE with S256 only, the user's password checked, the scopes allowed. Returns a single-use code valid for
 * a minute, of which only a hash is kept.
 */
export async function authorize(deps: IdentityDeps, request: AuthorizationRequest): Promise<{ code: string; scope: string }> {
  const client = await findClient(deps.db, request.clientId);
  // A wrong client or redirect URI is never redirected to (RFC 6749 §4.1.2.1): the caller shows an error instead.
  if (!client || !client.grantTypes.includes('authorization_code') || !client.redirectUris.includes(request.redirectUri)) throw new InvalidClient();
  if (request.codeChallengeMethod !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(request.codeChallenge)) {
    throw new InvalidGrant('PKCE is required: code_challenge_method=S256 with a base64url SHA-256 code_challenge.');
  }
  const user = await findUserByName(deps.db, request.username);
  const valid = await verifyPassword(request.password, user?.passwordHash ?? decoyHash);
  if (!user || !valid || user.disabledAt) throw new InvalidGrant('The username or password is wrong.');
  const allowed = new Set([...scopesOfRoles(user.roles)].filter((s) => client.scopes.includes(s)));
  const scopes = grantScopes(request.scope, allowed);
  if ('refused' in scopes) throw new InvalidScope(scopes.refused);
  const code = opaqueToken();
  await insertAuthorizationCode(deps.db, {
    codeHash: digest(code),
    clientId: client.id,
    userId: user.id,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    scope: scopes.granted.join(' '),
    expiresAt: new Date(Date.now() + deps.settings.authorizationCodeTtlS * 1000),
  });
  return { code, scope: scopes.granted.join(' ') };
}
