import { digest, findRefreshToken, revokeFamily } from '../infrastructure/identity-repository.ts';
import { authenticateClient } from './authenticate-client.ts';
import type { IdentityDeps } from './identity-deps.ts';

/**
 * Token revocation (RFC 7009) for refresh tokens: the token and every token of its family stop working (a logout).
 * Answers the same whether or not the token existed, so it tells nothing. Access tokens are short-lived JWTs that
 * cannot be revoked; they end at their `exp`.
 */
export async function revokeToken(
  deps: IdentityDeps,
  request: { token: string; clientId?: string | undefined; clientSecret?: string | undefined },
): Promise<void> {
  const client = await authenticateClient(deps, request.clientId, request.clientSecret);
  const row = await findRefreshToken(deps.db, digest(request.token));
  // Only the client the token was issued to may revoke it (RFC 7009 §2.1).
  if (row && row.clientId === client.id) await revokeFamily(deps.db, row.familyId);
}
