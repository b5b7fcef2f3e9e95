import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { signingAlgorithm, type ActiveKey } from '../infrastructure/key-store.ts';
import type { IdentitySettings } from './identity-deps.ts';

export interface AccessTokenClaims {
  subject: string;
  clientId: string;
  scopes: readonly string[];
  kind: 'user' | 'client' | 'module';
}

/**
 * An RFC 9068 access token: a short-lived JWS (`typ: at+jwt`) signed with the active key, its `kid` in the header. The
 * key is fetched by the caller before any transaction it opens (on PGlite, reading keys inside one would wait for it).
 */
export async function signAccessToken(settings: IdentitySettings, key: ActiveKey, claims: AccessTokenClaims): Promise<{ token: string; expiresIn: number }> {
  const { kid, privateKey } = key;
  const ttl = settings.accessTokenTtlS;
  const token = await new SignJWT({ scope: claims.scopes.join(' '), client_id: claims.clientId, cleave_kind: claims.kind })
    .setProtectedHeader({ alg: signingAlgorithm, kid, typ: 'at+jwt' })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setSubject(claims.subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttl)
    .setJti(randomUUID())
    .sign(privateKey);
  return { token, expiresIn: ttl };
}
