import { TokenOfAnotherClient } from '../domain/errors.ts';
import { digest, findRefreshToken, revokeFamily } from '../infrastructure/identity-repository.ts';
import { authenticateClient } from './authenticate-client.ts';
import type { IdentityDeps } from './identity-deps.ts';
import { revocationRefused, tokenRevoked } from './token-audit.ts';

/**
 * Token revocation (RFC 7009) for refresh tokens: the token and every token of its family stop working (a logout).
 * Answers the same whether or not the token existed, or still works, so it tells nothing about tokens that cannot be
 * used; a working token of another client is refused (`TokenOfAnotherClient`). Access tokens are short-lived JWTs
 * that cannot be revoked; they end at their `exp`.
 *
 * Audited: a revocation commits with its `identity.token-revoked` entry; a refusal (the client not authenticated,
 * another client's token) is recorded as `identity.token-revocation-refused`. A token that revokes nothing (unknown,
 * or no longer working) leaves no entry: nothing changed.
 */
export async function revokeToken(
  deps: IdentityDeps,
  request: { token: string; clientId?: string | undefined; clientSecret?: string | undefined },
): Promise<void> {
  try {
    await revoke(deps, request);
  } catch (error) {
    await auditRevocationRefusal(deps, request.clientId, error);
    throw error;
  }
}

/**
 * Records a refused revocation whose error is identity's own (`identity/…`): refusals the handler decides before
 * `revokeToken` runs (an unreadable `Authorization` header) are recorded through it too.
 */
export async function auditRevocationRefusal(deps: IdentityDeps, clientId: string | undefined, error: unknown): Promise<void> {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('identity/')) await deps.audit.recordAll([revocationRefused(clientId, code)]);
}

async function revoke(deps: IdentityDeps, request: { token: string; clientId?: string | undefined; clientSecret?: string | undefined }): Promise<void> {
  const client = await authenticateClient(deps, request.clientId, request.clientSecret);
  const row = await findRefreshToken(deps.db, digest(request.token));
  if (!row) return;
  if (row.clientId === client.id) {
    // Revoking a family already revoked (a second sign-out, or two at once) changes nothing: no second entry.
    if (row.revokedAt) return;
    return deps.transaction(async (tx) => {
      if ((await revokeFamily(tx, row.familyId)) === 0) return;
      await deps.audit.record(tx, tokenRevoked(row.familyId, row.userId, client.id));
    });
  }
  // Only the client the token was issued to may revoke it, and another is told so (RFC 7009 §2.1). A token that no
  // longer works (used, revoked, expired) is answered as an unknown one (§2.2): nothing to revoke, nothing told.
  if (!row.usedAt && !row.revokedAt && row.expiresAt.getTime() > Date.now()) throw new TokenOfAnotherClient();
}
