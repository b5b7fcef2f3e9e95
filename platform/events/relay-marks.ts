import { inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import type { Logger } from '../observability/index.ts';
import type { EventTables } from './tables.ts';

/**
 * Marks rows dispatched in batches: while one UPDATE runs, the rows acknowledged meanwhile wait and go together in
 * the next, so a busy relay spends one statement on many events.
 */
export function createMarker(db: Db, tables: EventTables, log: Logger) {
  let waiting: { id: string; done: () => void; failed: (e: unknown) => void }[] = [];
  let flushing: Promise<void> | undefined;

  async function flush(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      try {
        await db
          .update(tables.outbox)
          .set({ dispatchedAt: sql`now()`, claimedUntil: null, claimedBy: null, lastError: null })
          .where(
            inArray(
              tables.outbox.id,
              batch.map((b) => b.id),
            ),
          );
        for (const b of batch) b.done();
      } catch (error) {
        log.warn({ err: error, rows: batch.length }, 'marking outbox rows dispatched failed; they will be dispatched again');
        for (const b of batch) b.failed(error);
      }
    }
    flushing = undefined;
  }

  return {
    /** Marks the row of event `id` dispatched (with the next batch). */
    dispatched(id: string): Promise<void> {
      const promise = new Promise<void>((done, failed) => waiting.push({ id, done, failed }));
      flushing ??= flush();
      return promise;
    },
    flushed: async () => {
      while (flushing) await flushing;
    },
  };
}

/** Resolves once `done()` holds, looking every 5 ms. */
export async function waitFor(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 5));
}
