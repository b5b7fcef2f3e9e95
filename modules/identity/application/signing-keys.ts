import type { JSONWebKeySet } from 'jose';
import type { AuditEntry } from '../../../platform/audit/index.ts';
import type { Rotation, SigningKeyInfo } from '../infrastructure/key-store.ts';
import type { IdentityDeps } from './identity-deps.ts';

/** The audit entry of a key rotation. */
export function rotationEntry(rotation: Rotation, via: 'api' | 'command', actorUser?: string): AuditEntry {
  return {
    action: 'identity.signing-key-rotated',
    target: rotation.kid,
    outcome: 'success',
    detail: { previous: rotation.previous ?? null, signsFrom: rotation.signsFrom, via },
    ...(actorUser === undefined ? {} : { actorUser }),
  };
}

/**
 * Starts a key rotation: see `KeyStore.rotate`. Safe while replicas serve: they pick the new key up from the schema.
 * The audit entry commits with the new key.
 */
export function rotateSigningKey(deps: IdentityDeps): Promise<Rotation> {
  return deps.keys.rotate((tx, rotation) => deps.audit.record(tx, rotationEntry(rotation, 'api')));
}

export function listSigningKeys(deps: IdentityDeps): Promise<SigningKeyInfo[]> {
  return deps.keys.list();
}

/** The public keys verifiers use (RFC 7517 JWK set): next, active and still-verifying keys. */
export function publishedKeys(deps: IdentityDeps): Promise<JSONWebKeySet> {
  return deps.keys.jwks();
}

/** Every public key identity ever signed with, retired ones included: what old audit checkpoints verify against. */
export function keyHistory(deps: IdentityDeps): Promise<JSONWebKeySet> {
  return deps.keys.history();
}
