import type { JSONWebKeySet, JWK } from 'jose';
import type { Db } from '../../../platform/db/index.ts';
import { signingKeys } from './schema.ts';

/**
 * Every public key identity ever signed with, retired ones too, read from its database (the `audit` command's way
 * to verify checkpoints without a running host). Public halves only; no key-encryption key needed.
 */
export async function signingKeyHistory(db: Db): Promise<JSONWebKeySet> {
  const rows = await db.select({ jwk: signingKeys.publicJwk }).from(signingKeys).orderBy(signingKeys.createdAt);
  return { keys: rows.map((r) => r.jwk as JWK) };
}
