import type { JSONWebKeySet } from 'jose';
import type { SigningKeyInfo } from '../infrastructure/key-store.ts';
import type { IdentityDeps } from './identity-deps.ts';

/** Starts a key rotation: see `KeyStore.rotate`. Safe while replicas serve: they pick the new key up from the schema. */
export function rotateSigningKey(deps: IdentityDeps): Promise<{ kid: string; previous: string | undefined; signsFrom: string }> {
  return deps.keys.rotate();
}

export function listSigningKeys(deps: IdentityDeps): Promise<SigningKeyInfo[]> {
  return deps.keys.list();
}

/** The public keys verifiers use (RFC 7517 JWK set): next, active and still-verifying keys. */
export function publishedKeys(deps: IdentityDeps): Promise<JSONWebKeySet> {
  return deps.keys.jwks();
}
