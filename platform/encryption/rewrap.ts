import { and, asc, count, eq, gt, isNotNull, isNull, ne, or } from 'drizzle-orm';
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
        const wrappedKey = box.seal(openDataKey(box, row), context);
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

/** Opens a data key, or says which one, under which key-encryption key, could not be opened and why. */
function openDataKey(box: SecretBox, row: { id: string; subject: string; kekId: string | null; wrappedKey: string | null }): Uint8Array {
  try {
    return box.open(row.wrappedKey as string, wrapContext(row.id, row.subject));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `data key ${row.id} is wrapped under key-encryption key "${row.kekId ?? '(none)'}", which DATA_KEK cannot open it with: ` +
        `${/authenticate/i.test(reason) ? `the key given for "${row.kekId}" is not the one it was wrapped with` : reason}. Nothing was changed in this batch.`,
      { cause: error },
    );
  }
}

/**
 * Opens every live data key with the configured key-encryption keys, in pages, and counts by KEK id those that do not
 * open: what `keys:reencrypt` checks before it says the old KEK can go (a key listed under the current id is skipped
 * by the rewrap, so a wrong key given for that id would otherwise pass unnoticed).
 */
export async function unopenableDataKeys(db: Db, table: DataKeyTable, box: SecretBox, pageSize = 1000): Promise<Record<string, number>> {
  const failed: Record<string, number> = {};
  let after: string | undefined;
  for (;;) {
    const rows = await db
      .select({ id: table.id, subject: table.subject, kekId: table.kekId, wrappedKey: table.wrappedKey })
      .from(table)
      .where(after === undefined ? isNotNull(table.wrappedKey) : and(isNotNull(table.wrappedKey), gt(table.id, after)))
      .orderBy(asc(table.id))
      .limit(pageSize);
    for (const row of rows) {
      try {
        openDataKey(box, row);
      } catch {
        const id = row.kekId ?? '(none)';
        failed[id] = (failed[id] ?? 0) + 1;
      }
    }
    if (rows.length < pageSize) return failed;
    after = (rows.at(-1) as { id: string }).id;
  }
}

/** How many live data keys are under each key-encryption key: what `keys:reencrypt --dry-run` reports. */
export async function dataKeysByKek(db: Db, table: DataKeyTable): Promise<Record<string, number>> {
  const rows = await db.select({ kekId: table.kekId, keys: count() }).from(table).where(isNotNull(table.wrappedKey)).groupBy(table.kekId);
  return Object.fromEntries(rows.map((r) => [r.kekId ?? '(none)', r.keys]));
}
