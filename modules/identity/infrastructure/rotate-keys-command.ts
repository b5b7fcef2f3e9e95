import { userInfo } from 'node:os';
import { createAuditLog } from '../../../platform/audit/index.ts';
import type { Config } from '../../../platform/config/index.ts';
import type { Db } from '../../../platform/db/index.ts';
import { rotationEntry } from '../application/signing-keys.ts';
import { identityKeyStore } from './identity-runtime.ts';

/**
 * A signing key rotation from outside a host (the `keys:rotate` command), against identity's database: safe while
 * replicas serve, since the new key is published before it signs and every replica reads keys from the schema. The
 * audit entry (actor: the operating system user who ran it) commits with the new key.
 */
export async function rotateSigningKeys(config: Config, db: Db) {
  const keys = identityKeyStore(config, db);
  const audit = createAuditLog('identity', db);
  const rotation = await keys.rotate((tx, r) => audit.record(tx, rotationEntry(r, 'command', `os:${userInfo().username}`)));
  return { ...rotation, keys: await keys.list() };
}
