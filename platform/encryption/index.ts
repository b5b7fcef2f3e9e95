/**
 * @module platform/encryption
 * Encryption at rest of the fields a module classifies as personal or sensitive: per-subject data keys wrapped by the
 * configured key-encryption key (`DATA_KEK`), sealed fields, blind indexes, crypto-shredding and the rewrap behind
 * `npm run keys:reencrypt`. Not for the system's own secrets (signing keys): platform/security seals those.
 */
export { createFieldEncryption, blindIndexSubject } from './field-encryption.ts';
export type { FieldEncryption, OpenedField } from './field-encryption.ts';
export { createDataKeyStore, SubjectErasedError } from './data-keys.ts';
export type { DataKeyStore } from './data-keys.ts';
export { sealField, openField, sealedKeyId } from './field-cipher.ts';
export type { DataKey } from './field-cipher.ts';
export { blindIndex, normaliseEmail } from './blind-index.ts';
export { dataKeyTables } from './tables.ts';
export type { DataKeyTable, DataKeyTables } from './tables.ts';
export { rewrapDataKeys, dataKeysByKek, unopenableDataKeys } from './rewrap.ts';
export type { RewrapOptions } from './rewrap.ts';
