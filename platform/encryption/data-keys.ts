import { randomBytes, randomUUID } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../db/index.ts';
import type { SecretBox } from '../security/index.ts';
import type { DataKey } from './field-cipher.ts';
import type { DataKeyTable } from './tables.ts';

/** Thrown when a subject's key was shredded: nothing may be sealed for it any more. */
export class SubjectErasedError extends Error {
  readonly code = 'encryption/subject-erased';
  constructor(subject: string) {
    super(`The data of subject ${subject} was erased (its key was shredded).`);
    this.name = 'SubjectErasedError';
  }
}

/** A subject's or the module's data keys, wrapped in its `data_keys` table by the key-encryption key. */
export interface DataKeyStore {
  /** The subject's key, made (in `tx`) on first use; throws `SubjectErasedError` once shredded. */
  forSubject(tx: Executor, subject: string): Promise<DataKey>;
  /** Keys by id: the key, `'erased'` for a shredded one; ids that name no key are absent. */
  byIds(db: Executor, ids: readonly string[]): Promise<Map<string, DataKey | 'erased'>>;
  /**
   * Shreds the subject's key: whatever was sealed with it, wherever it was copied, no longer opens. A subject with no
   * key yet gets a shredded one (a tombstone), so nothing is sealed for them later either (an event about them still
   * on its way). Whether a key had been made.
   */
  shred(tx: Executor, subject: string): Promise<boolean>;
}

/** What a wrapped key is sealed for: its own row, so a wrapped key copied to another subject does not unwrap. */
export const wrapContext = (id: string, subject: string) => `data-key/${id}/${subject}`;

export function createDataKeyStore(table: DataKeyTable, box: SecretBox): DataKeyStore {
  const unwrap = (row: typeof table.$inferSelect): DataKey | 'erased' =>
    row.wrappedKey === null ? 'erased' : { id: row.id, key: box.open(row.wrappedKey, wrapContext(row.id, row.subject)) };

  return {
    async forSubject(tx, subject) {
      const id = randomUUID();
      const key = randomBytes(32);
      const wrappedKey = box.seal(key, wrapContext(id, subject));
      const kekId = wrappedKey.split('.')[1] as string;
      // Two first uses at once make one key: the second insert does nothing and reads the first one's.
      const [made] = await tx.insert(table).values({ id, subject, kekId, wrappedKey }).onConflictDoNothing().returning({ id: table.id });
      if (made) return { id, key };
      // Held (shared) until `tx` ends: a shredding in between waits for it, and then erases what `tx` sealed with the
      // key; one already under way makes this wait, then read the key as shredded.
      const [row] = await tx.select().from(table).where(eq(table.subject, subject)).for('share');
      if (!row) throw new Error(`The data key of ${subject} vanished while it was being made.`);
      const existing = unwrap(row);
      if (existing === 'erased') throw new SubjectErasedError(subject);
      return existing;
    },
    async byIds(db, ids) {
      const wanted = [...new Set(ids)].filter((i) => /^[0-9a-f-]{36}$/i.test(i));
      const rows = wanted.length === 0 ? [] : await db.select().from(table).where(inArray(table.id, wanted));
      return new Map(rows.map((r) => [r.id, unwrap(r)]));
    },
    async shred(tx, subject) {
      // One statement, so a first use at the same moment either made its key before (shredded here) or finds the
      // tombstone (SubjectErasedError). `xmax = 0` tells a row this statement inserted from one it updated.
      const [row] = await tx
        .insert(table)
        .values({ id: randomUUID(), subject, kekId: null, wrappedKey: null, shreddedAt: sql`now()` })
        .onConflictDoUpdate({ target: table.subject, set: { wrappedKey: null, kekId: null, shreddedAt: sql`now()` } })
        .returning({ inserted: sql<boolean>`(xmax = 0)` });
      // Drivers hand a boolean back as `false` or as its text `f`.
      return row !== undefined && String(row.inserted) !== 'true' && String(row.inserted) !== 't';
    },
  };
}
