import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';

/** The JWS type of a signed checkpoint: never accepted where an access token (`at+jwt`) is expected, nor the reverse. */
export const checkpointType = 'cleave-audit-checkpoint+jwt';

/** What identity signs: a module's chain head at `seq`. */
export interface CheckpointClaims {
  module: string;
  seq: number;
  hash: string;
}

/** The claims of a checkpoint JWS if identity's keys signed it, else why not. */
export async function verifyCheckpointToken(jws: string, keys: JSONWebKeySet): Promise<{ claims: CheckpointClaims; kid: string } | { invalid: string }> {
  try {
    const { payload, protectedHeader } = await jwtVerify(jws, createLocalJWKSet(keys), { algorithms: ['ES256'], typ: checkpointType });
    const { sub, seq, hash } = payload as { sub?: unknown; seq?: unknown; hash?: unknown };
    if (typeof sub !== 'string' || typeof seq !== 'number' || typeof hash !== 'string') return { invalid: 'the signed claims are incomplete' };
    return { claims: { module: sub, seq, hash }, kid: protectedHeader.kid ?? '' };
  } catch (error) {
    return { invalid: error instanceof errors.JOSEError ? `the signature does not verify (${error.code})` : String(error) };
  }
}
