import { and, asc, count, eq, isNotNull, isNull, ne, or } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import type { SecretBox } from '../security/index.ts';
import { wrapContext } from './data-keys.ts';
import type { DataKeyTable } from './tables.ts';

export interface RewrapOptions {
  db: Db;
  table: DataKeyTable;
  /** Seals with the current key-encryption key (the first of `DATA_KEK`) and opens with any configured one. */
  box: SecretBox;
  /** The id of the current key-encryption key: keys already under it are skipped. */
  currentKekId: string;
  /** Keys rewrapped per transaction. */
  batchSize?: number;
  /** A pause between batches: spreads the load on a busy database (and lets a test interrupt a run half-way). */
  pauseMs?: number;
  /** Called after each committed batch. */
  onBatch?(progress: { rewrapped: number; batch: number }): void;
}

/**
 * Rewraps every data key not under the current key-encryption key, in small transactions: each batch reads keys under
 * an older KEK, opens each with that KEK, seals the same 32 bytes under the current one and writes it back only if the
 * row is still as read. Safe to interrupt at any point (a batch commits whole or not at all) and to run again or
 * concurrently (rows under the current KEK are skipped; rows locked by another run are skipped by this one). The
 * fields themselves are not touched: they are sealed with the data keys, which do not change.
 */
export async function rewrapDataKeys(options: RewrapOptions): Promise<{ rewrapped: number }> {
  const { db, table, box, currentKekId } = options;
  const batchSize = options.batchSize ?? 500;
  let rewrapped = 0;
  for (let batch = 1; ; batch += 1) {
    const done = await db.transaction(async (tx) => {
      const rows = await tx
        .select()
        .from(table)
        .where(and(isNotNull(table.wrappedKey), or(isNull(table.kekId), ne(table.kekId, currentKekId))))
        .orderBy(asc(table.id))
        .limit(batchSize)
        .for('update', { skipLocked: true });
      for (const row of rows) {
        const context = wrapContext(row.id, row.subject);
        const wrappedKey = box.seal(box.open(row.wrappedKey as string, context), context);
        await tx
          .update(table)
          .set({ wrappedKey, kekId: wrappedKey.split('.')[1] as string })
          .where(and(eq(table.id, row.id), eq(table.wrappedKey, row.wrappedKey as string)));
      }
      return rows.length;
    });
    if (done === 0) return { rewrapped };
    rewrapped += done;
    options.onBatch?.({ rewrapped, batch });
    if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
  }
}

/** How many live data keys are under each key-encryption key: what `keys:reencrypt --dry-run` reports. */
export async function dataKeysByKek(db: Db, table: DataKeyTable): Promise<Record<string, number>> {
  const rows = await db.select({ kekId: table.kekId, keys: count() }).from(table).where(isNotNull(table.wrappedKey)).groupBy(table.kekId);
  return Object.fromEntries(rows.map((r) => [r.kekId ?? '(none)', r.keys]));
}
