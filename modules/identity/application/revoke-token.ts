import { TokenOfAnotherClient } from '../domain/errors.ts';
import { digest, findRefreshToken, revokeFamily } from '../infrastructure/identity-repository.ts';
import { authenticateClient } from './authenticate-client.ts';
import type { IdentityDeps } from './identity-deps.ts';

/**
 * Token revocation (RFC 7009) for refresh tokens: the token and every token of its family stop working (a logout).
 * Answers the same whether or not the token existed, or still works, so it tells nothing about tokens that cannot be
 * used; a working token of another client is refused (`TokenOfAnotherClient`). Access tokens are short-lived JWTs
 * that cannot be revoked; they end at their `exp`.
 */
export async function revokeToken(
  deps: IdentityDeps,
  request: { token: string; clientId?: string | undefined; clientSecret?: string | undefined },
): Promise<void> {
  const client = await authenticateClient(deps, request.clientId, request.clientSecret);
  const row = await findRefreshToken(deps.db, digest(request.token));
  if (!row) return;
  if (row.clientId === client.id) return revokeFamily(deps.db, row.familyId);
  // Only the client the token was issued to may revoke it, and another is told so (RFC 7009 §2.1). A token that no
  // longer works (used, revoked, expired) is answered as an unknown one (§2.2): nothing to revoke, nothing told.
  if (!row.usedAt && !row.revokedAt && row.expiresAt.getTime() > Date.now()) throw new TokenOfAnotherClient();
}
