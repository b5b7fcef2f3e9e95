import { createHash } from 'node:crypto';
import type { KeyEncryptionKeyConfig } from './identity-settings.ts';
import { parseKeks } from './identity-settings.ts';
import type { ConfigProblem } from './load-config.ts';

/** How modules encrypt personal and sensitive fields at rest (see docs/operations/encryption-at-rest.md). */
export interface DataEncryptionConfig {
  /**
   * Keys that wrap the modules' data keys; the first wraps, all unwrap (`npm run keys:reencrypt` rewraps under the
   * first). `undefined` in production when none is set (modules holding encrypted data then refuse to start); the
   * development default elsewhere, which `kekSource` says.
   */
  kek: KeyEncryptionKeyConfig[] | undefined;
  kekSource: 'DATA_KEK' | 'DATA_KEK_FILE' | 'development-default' | 'none';
}

/** The data key-encryption key development uses when none is configured: public knowledge. Refused in production. */
export const developmentDataKek: KeyEncryptionKeyConfig = {
  id: 'dev-data',
  key: createHash('sha256').update('cleave development data key-encryption key: not a secret').digest(),
};

/** `DATA_KEK` (or `DATA_KEK_FILE`): the same form as `IDENTITY_KEK`, `<id>:<base64>[,<id>:<base64>...]`. */
export function dataEncryptionSettings(value: string | undefined, fromFile: boolean, production: boolean, problems: ConfigProblem[]): DataEncryptionConfig {
  if (value === undefined) return production ? { kek: undefined, kekSource: 'none' } : { kek: [developmentDataKek], kekSource: 'development-default' };
  return { kek: parseKeks(value, problems, 'DATA_KEK'), kekSource: fromFile ? 'DATA_KEK_FILE' : 'DATA_KEK' };
}
