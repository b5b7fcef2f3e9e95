import type { Db } from './database.ts';

/** A transaction that ran past the application's deadline; it was rolled back. */
export class TransactionTimeoutError extends Error {
  override readonly name = 'TransactionTimeoutError';
}

/**
 * The database with a deadline on every transaction it starts: past `timeoutMs` the transaction rolls back and its
 * caller gets a {@link TransactionTimeoutError}, whatever the callback still awaits. For PGlite, which ignores
 * `statement_timeout` and is one connection shared by every module, so one stuck transaction would freeze them all.
 * (After the rollback, further queries on the abandoned transaction fail: PGlite closes it.)
 */
export function withTransactionDeadline(db: Db, timeoutMs: number): Db {
  const guarded = Object.create(db) as Db;
  guarded.transaction = ((fn, config) =>
    db.transaction(async (tx) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TransactionTimeoutError(`The transaction ran longer than ${timeoutMs} ms and was rolled back.`)), timeoutMs);
      });
      try {
        return await Promise.race([fn(tx), deadline]);
      } finally {
        clearTimeout(timer);
      }
    }, config)) as Db['transaction'];
  return guarded;
}
