import { InvalidAuthorizationRequest, InvalidGrant, InvalidRequest, InvalidScope } from '../domain/errors.ts';
import { grantScopes, scopesOfRoles } from '../domain/scopes.ts';
import { digest, findClient, findUserByName, insertAuthorizationCode, opaqueToken, type ClientRow } from '../infrastructure/identity-repository.ts';
import { decoyHash, verifyPassword } from '../infrastructure/passwords.ts';
import type { IdentityDeps } from './identity-deps.ts';
import { signedIn, signInFailed } from './token-audit.ts';
import { signInNameIndexOf } from './user-profile.ts';

/** What a client asks for when it sends the user to the authorization endpoint (RFC 6749 §4.1.1, RFC 7636 §4.3). */
export interface AuthorizationParameters {
  responseType: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string | undefined;
  codeChallengeMethod: string | undefined;
  scope?: string | undefined;
  state?: string | undefined;
}

export interface AuthorizationRequest extends AuthorizationParameters {
  username: string;
  password: string;
}

/**
 * Checks an authorization request before the user is asked to sign in. A wrong client or redirect URI is never
 * redirected to (RFC 6749 §4.1.2.1): `InvalidAuthorizationRequest`, which the caller shows. Other faults are for the
 * client, sent back to its redirect URI: `response_type` other than `code`, PKCE missing or not S256 (RFC 9700
 * §2.1.1 requires PKCE). Returns the client.
 */
export async function checkAuthorizationRequest(deps: IdentityDeps, request: AuthorizationParameters): Promise<ClientRow> {
  const client = await findClient(deps.db, request.clientId);
  if (!client || !client.grantTypes.includes('authorization_code') || !client.redirectUris.includes(request.redirectUri)) {
    throw new InvalidAuthorizationRequest();
  }
  if (request.responseType !== 'code') throw new InvalidRequest('Only response_type=code is supported.', 'unsupported_response_type');
  if (request.codeChallengeMethod !== 'S256' || !request.codeChallenge || !/^[A-Za-z0-9_-]{43}$/.test(request.codeChallenge)) {
    throw new InvalidRequest('PKCE is required: code_challenge_method=S256 with a base64url SHA-256 code_challenge.');
  }
  return client;
}

/**
 * The authorization endpoint's decision (RFC 6749 §4.1, RFC 7636): the request checked as above, the user's password,
 * the scopes allowed. Returns a single-use code valid for a minute, of which only a hash is kept.
 */
export async function authorize(deps: IdentityDeps, request: AuthorizationRequest): Promise<{ code: string; scope: string }> {
  const client = await checkAuthorizationRequest(deps, request);
  const user = await findUserByName(deps.db, request.username);
  const valid = await verifyPassword(request.password, user?.passwordHash ?? decoyHash(deps.settings.passwordCost));
  if (!user || !valid || user.disabledAt) {
    await deps.audit.recordAll([signInFailed('sign-in-page', await signInNameIndexOf(deps, request.username), client.id)]);
    throw new InvalidGrant('The username or password is wrong.');
  }
  const allowed = new Set([...scopesOfRoles(user.roles)].filter((s) => client.scopes.includes(s)));
  const scopes = grantScopes(request.scope, allowed);
  if ('refused' in scopes) throw new InvalidScope(scopes.refused);
  const code = opaqueToken();
  // The sign-in's audit entry commits with the code it produced.
  await deps.transaction(async (tx) => {
    await insertAuthorizationCode(tx, {
      codeHash: digest(code),
      clientId: client.id,
      userId: user.id,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge as string,
      scope: scopes.granted.join(' '),
      expiresAt: new Date(Date.now() + deps.settings.authorizationCodeTtlS * 1000),
    });
    await deps.audit.record(tx, signedIn('sign-in-page', user.id, client.id));
  });
  return { code, scope: scopes.granted.join(' ') };
}
