import { index, pgSchema, text, timestamp, uniqueIndex, uuid, type PgSchema } from 'drizzle-orm/pg-core';

/**
 * The data keys of a module that encrypts fields, in its own schema: one per data subject (a user), plus the module's
 * own (the blind index key, subject `module:blind-index`). Each is 32 random bytes wrapped by the configured
 * key-encryption key; shredding a subject's key clears `wrapped_key` and keeps the row as a tombstone, so readers can
 * tell "erased" from "unknown". A module's drizzle schema file re-exports the table so its migrations create it.
 */
export function dataKeyTables(schema: PgSchema | string) {
  const s = typeof schema === 'string' ? pgSchema(schema) : schema;
  const dataKeys = s.table(
    'data_keys',
    {
      id: uuid('id').primaryKey(),
      subject: text('subject').notNull(),
      /** The key-encryption key that wrapped it (`DATA_KEK` id); null once shredded. */
      kekId: text('kek_id'),
      /** `v1.<kek id>.<iv>.<tag>.<key>`, sealed for `data-key/<id>/<subject>`; null once shredded. */
      wrappedKey: text('wrapped_key'),
      createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
      shreddedAt: timestamp('shredded_at', { withTimezone: true }),
    },
    // The rewrap command reads the keys not yet under the current key-encryption key.
    (t) => [uniqueIndex('data_keys_subject_idx').on(t.subject), index('data_keys_kek_idx').on(t.kekId)],
  );
  return { dataKeys };
}

export type DataKeyTables = ReturnType<typeof dataKeyTables>;
export type DataKeyTable = DataKeyTables['dataKeys'];
