import postgres from 'postgres';

/** An exclusive lock on a table, held by a connection of its own (as another process would), until released. */
export interface TableLock {
  /** Ends the holding transaction; idempotent. Reads of the table wait until then. */
  release(): Promise<void>;
}

/** Takes `lock table <table> in access exclusive mode` on the database at `url` and resolves once it is held. */
export async function lockTable(url: string, table: string): Promise<TableLock> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  let transaction: Promise<unknown> = Promise.resolve();
  await new Promise<void>((taken, failed) => {
    transaction = sql
      .begin(async (tx) => {
        await tx.unsafe(`lock table ${table} in access exclusive mode`);
        taken();
        await held;
      })
      .catch(failed);
  });
  let released: Promise<void> | undefined;
  return {
    release() {
      released ??= (async () => {
        release();
        await transaction;
        await sql.end({ timeout: 5 });
      })();
      return released;
    },
  };
}
