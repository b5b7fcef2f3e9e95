import { hasScopes, InvalidTokenError, type Principal, type TokenVerifier } from '../../../platform/security/index.ts';
import { InsufficientScope, InvalidToken } from '../domain/errors.ts';

// RFC 6750 §2.1: the scheme is case-insensitive, the token a b64token.
const bearer = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * The caller of an operation, from its `Authorization: Bearer` access token, verified against identity's own keys.
 * Stands in until access is declared on routes and checked by the platform: handlers call only this, so rewiring
 * it later touches one place.
 */
export async function authenticateCaller(verifier: TokenVerifier, authorization: string | undefined): Promise<Principal> {
  const token = authorization === undefined ? undefined : bearer.exec(authorization)?.[1];
  if (token === undefined) throw new InvalidToken(authorization !== undefined);
  try {
    return await verifier.verify(token);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw new InvalidToken(true);
    throw error;
  }
}

/** `principal` when it holds every scope in `required`; `identity/insufficient-scope` otherwise. */
export function requireScopes(principal: Principal, required: readonly string[]): Principal {
  if (!hasScopes(principal, required)) throw new InsufficientScope(required);
  return principal;
}
