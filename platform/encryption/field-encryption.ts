import type { Executor } from '../db/index.ts';
import type { SecretBox } from '../security/index.ts';
import { blindIndexWith, columnIndexKey } from './blind-index.ts';
import { createDataKeyStore, type DataKeyStore } from './data-keys.ts';
import { openField, sealField, sealedKeyId } from './field-cipher.ts';
import type { DataKeyTable } from './tables.ts';

/** An opened field: its value, or `erased` when its subject's key was shredded (a reader shows it as gone). */
export type OpenedField = { status: 'ok'; value: string } | { status: 'erased' };

/**
 * Encrypts a module's personal and sensitive fields at rest: each value sealed (AES-256-GCM) with its data subject's
 * key, wherever it lands (a table, an event in the outbox, a dead letter), so shredding that key erases every copy.
 * Searchable fields get a blind index besides. Not for secrets of the system itself (platform/security seals those).
 */
export interface FieldEncryption {
  /** Seals `value` for `subject` in `context` (where it belongs: `identity.users.email/<id>`), making its key in `tx`. */
  seal(tx: Executor, subject: string, value: string, context: string): Promise<string>;
  /** The subject's key read (or made) once, for sealing several values: `(value, context) => sealed`. */
  sealerFor(tx: Executor, subject: string): Promise<(value: string, context: string) => string>;
  /** Opens a sealed value in the context it was sealed for; `erased` once its subject's key was shredded. */
  open(db: Executor, sealed: string, context: string): Promise<OpenedField>;
  /** Opens several values with one read of their keys. */
  openAll(db: Executor, fields: readonly { sealed: string; context: string }[]): Promise<OpenedField[]>;
  /** The blind index of a normalised value in `column` (`identity.users.email`), under the module's index key. */
  blindIndex(db: Executor, column: string, normalised: string): Promise<string>;
  /** Shreds the subject's key: crypto-shredding, the copies stay where they are and never open again. */
  shred(tx: Executor, subject: string): Promise<boolean>;
  keys: DataKeyStore;
}

/** The subject of the module's own blind index key. */
export const blindIndexSubject = 'module:blind-index';

export function createFieldEncryption(table: DataKeyTable, box: SecretBox): FieldEncryption {
  const keys = createDataKeyStore(table, box);
  let indexKey: Promise<Uint8Array> | undefined;
  const columnKeys = new Map<string, Uint8Array>();

  async function openAll(db: Executor, fields: readonly { sealed: string; context: string }[]): Promise<OpenedField[]> {
    const found = await keys.byIds(
      db,
      fields.map((f) => sealedKeyId(f.sealed) ?? ''),
    );
    return fields.map(({ sealed, context }) => {
      const kid = sealedKeyId(sealed);
      const key = kid === undefined ? undefined : found.get(kid);
      if (key === undefined) throw new Error(`No data key ${kid ?? '(none)'} opens this value (${context}).`);
      return key === 'erased' ? { status: 'erased' } : { status: 'ok', value: openField(key, sealed, context) };
    });
  }

  return {
    async seal(tx, subject, value, context) {
      return sealField(await keys.forSubject(tx, subject), value, context);
    },
    async sealerFor(tx, subject) {
      const key = await keys.forSubject(tx, subject);
      return (value, context) => sealField(key, value, context);
    },
    open: async (db, sealed, context) => (await openAll(db, [{ sealed, context }]))[0] as OpenedField,
    openAll,
    async blindIndex(db, column, normalised) {
      if (!indexKey) {
        indexKey = keys.forSubject(db, blindIndexSubject).then((k) => k.key);
        // A failed first read (the database away) is tried again on the next call, not remembered.
        indexKey.catch(() => (indexKey = undefined));
      }
      const key = await indexKey;
      let columnKey = columnKeys.get(column);
      if (!columnKey) columnKeys.set(column, (columnKey = columnIndexKey(key, column)));
      return blindIndexWith(columnKey, normalised);
    },
    shred: (tx, subject) => keys.shred(tx, subject),
    keys,
  };
}
