import type { Config } from '../../../platform/config/index.ts';
import type { Db } from '../../../platform/db/index.ts';
import { identityKeyStore } from './identity-runtime.ts';

/**
 * A signing key rotation from outside a host (the `keys:rotate` command), against identity's database: safe while
 * replicas serve, since the new key is published before it signs and every replica reads keys from the schema.
 */
export async function rotateSigningKeys(config: Config, db: Db) {
  const keys = identityKeyStore(config, db);
  const rotation = await keys.rotate();
  return { ...rotation, keys: await keys.list() };
}
