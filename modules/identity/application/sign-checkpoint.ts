import { SignJWT } from 'jose';
import { checkpointType, type CheckpointClaims } from '../../../platform/audit/index.ts';
import type { Principal } from '../../../platform/security/index.ts';
import { CheckpointNotYours } from '../domain/errors.ts';
import { signingAlgorithm } from '../infrastructure/key-store.ts';
import type { IdentityDeps } from './identity-deps.ts';

/**
 * Signs a module's audit chain head with the active signing key. Its JWS type differs from an access token's, so a
 * checkpoint is never accepted as a token. Only a module itself may have its chain signed: not even an operator, whose
 * own actions are in the trail and who must not be able to have a rewritten one signed.
 */
export async function signCheckpoint(deps: IdentityDeps, principal: Principal | undefined, claims: CheckpointClaims): Promise<{ jws: string; kid: string }> {
  if (principal?.kind !== 'module' || principal.module !== claims.module) throw new CheckpointNotYours(claims.module);
  const { kid, privateKey } = await deps.keys.active();
  const jws = await new SignJWT({ seq: claims.seq, hash: claims.hash })
    .setProtectedHeader({ alg: signingAlgorithm, kid, typ: checkpointType })
    .setIssuer(deps.settings.issuer)
    .setSubject(claims.module)
    .setIssuedAt()
    .sign(privateKey);
  return { jws, kid };
}
