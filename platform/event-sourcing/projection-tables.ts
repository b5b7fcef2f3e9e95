import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../db/index.ts';
import type { AnyProjection } from './define-projection.ts';
import { EventSourcingError } from './errors.ts';
import { lockCheckpoint, type Checkpoint } from './projection-batch.ts';
import { ident, rowsOf, storeTables, tableIn } from './sql-names.ts';

/** The checkpoint row of a projection's running rebuild. */
export const rebuildKey = (projection: AnyProjection): string => `${projection.name}#rebuild`;

const shadowName = (table: string) => `${table}__rebuild`;

/** The projection's tables as `handle` writes them: the live ones, or (`shadow`) the copies a rebuild fills. */
export function projectionTables(schema: string, projection: AnyProjection, shadow: boolean): Record<string, SQL> {
  return Object.fromEntries(Object.keys(projection.tables).map((t) => [t, tableIn(schema, shadow ? shadowName(t) : t)]));
}

/**
 * Creates the live tables and checkpoint of a projection seen for the first time. A projection whose stored version
 * differs from its definition gets a rebuild started (its live tables stay as they are until it is swapped in); a
 * rebuild left running for another version (a release that crashed or was rolled back mid-rebuild) is abandoned for
 * it: its shadow tables have that version's shape, and only code of the rebuild's version may fill them.
 */
export async function ensureProjection(tx: Tx, schema: string, projection: AnyProjection): Promise<void> {
  const { checkpoints } = storeTables(schema);
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`cleave:projection:${schema}.${projection.name}`}))`);
  for (const [table, columns] of Object.entries(projection.tables)) {
    await tx.execute(sql.raw(`create table if not exists ${ident(schema)}.${ident(table)} (${columns})`));
  }
  await tx.execute(sql`insert into ${checkpoints} ("projection", "version") values (${projection.name}, ${projection.version}) on conflict do nothing`);
  const [live] = rowsOf<{ version: number }>(await tx.execute(sql`select "version" from ${checkpoints} where "projection" = ${projection.name}`));
  if (!live || Number(live.version) === projection.version) return;
  // `for update`: a batch of the rebuild in flight (on another replica) ends first.
  const [running] = rowsOf<{ version: number }>(
    await tx.execute(sql`select "version" from ${checkpoints} where "projection" = ${rebuildKey(projection)} for update`),
  );
  if (running && Number(running.version) === projection.version) return;
  if (running) await tx.execute(sql`delete from ${checkpoints} where "projection" = ${rebuildKey(projection)}`);
  await beginRebuild(tx, schema, projection);
}

/**
 * Starts a rebuild: empty shadow tables and a checkpoint at the start of every stream, which the runner (on a replica
 * running the same version) then fills and swaps in. Refused while one is running, and (`operator`) when the live
 * model was built by a newer version than this code: an older replica must not take the model back.
 */
export async function beginRebuild(tx: Tx, schema: string, projection: AnyProjection, operator = false): Promise<void> {
  const { checkpoints } = storeTables(schema);
  const key = rebuildKey(projection);
  if (operator) {
    const [live] = rowsOf<{ version: number }>(await tx.execute(sql`select "version" from ${checkpoints} where "projection" = ${projection.name}`));
    if (live && Number(live.version) > projection.version)
      throw new EventSourcingError(
        'conflict',
        'platform/projection-version-newer',
        `${projection.name} was built by version ${live.version}; this host runs version ${projection.version}. Ask a host of the newer release.`,
        { projection: projection.name, liveVersion: Number(live.version), version: projection.version },
      );
  }
  const inserted = rowsOf(
    await tx.execute(
      sql`insert into ${checkpoints} ("projection", "version") values (${key}, ${projection.version}) on conflict do nothing returning "projection"`,
    ),
  );
  if (inserted.length === 0)
    throw new EventSourcingError('conflict', 'platform/projection-rebuild-running', `A rebuild of ${projection.name} is already running.`, {
      projection: projection.name,
    });
  for (const [table, columns] of Object.entries(projection.tables)) {
    const shadow = `${ident(schema)}.${ident(shadowName(table))}`;
    await tx.execute(sql.raw(`drop table if exists ${shadow}`));
    await tx.execute(sql.raw(`create table ${shadow} (${columns})`));
  }
}

/**
 * Swaps a caught-up rebuild in, in the caller's transaction (which holds both checkpoint rows): the live tables are
 * dropped, the shadows renamed to their names, and the live checkpoint takes the rebuild's position and version.
 * Readers see the old model or the new one, never a mix.
 */
export async function swapIn(tx: Tx, schema: string, projection: AnyProjection, rebuilt: Checkpoint): Promise<void> {
  const { checkpoints } = storeTables(schema);
  for (const table of Object.keys(projection.tables)) {
    await tx.execute(sql.raw(`drop table if exists ${ident(schema)}.${ident(table)}`));
    await tx.execute(sql.raw(`alter table ${ident(schema)}.${ident(shadowName(table))} rename to ${ident(table)}`));
  }
  await tx.execute(sql`
    update ${checkpoints} set "tx" = ${rebuilt.tx}::xid8, "seq" = ${rebuilt.seq}, "version" = ${rebuilt.version},
      "handled" = (select "handled" from ${checkpoints} where "projection" = ${rebuilt.key}),
      "updated_at" = now(), "rebuilt_at" = now(), "last_error" = null
    where "projection" = ${projection.name}`);
  await tx.execute(sql`delete from ${checkpoints} where "projection" = ${rebuilt.key}`);
}

/** Locks the live checkpoint (waiting for a batch in flight), then the rebuild's; undefined when either is gone. */
export async function lockBoth(tx: Tx, schema: string, projection: AnyProjection): Promise<Checkpoint | undefined> {
  const live = await lockCheckpoint(tx, schema, projection.name, false);
  return live && lockCheckpoint(tx, schema, rebuildKey(projection), true);
}

/**
 * For a transaction that changes projected rows itself (an erasure pseudonymising a customer in a read model): locks
 * the checkpoint of every projection and running rebuild in `schema` (waiting for a batch in flight; the batches
 * after it start once this transaction ends and read what it wrote), and returns, for each projected table, the
 * rebuild's copy when one exists: rows a rebuild copied before this change need it too.
 */
export async function holdProjections(tx: Tx, schema: string, tables: readonly string[]): Promise<{ table: string; shadow: SQL }[]> {
  const { checkpoints } = storeTables(schema);
  await tx.execute(sql`select "projection" from ${checkpoints} order by "projection" for update`);
  const present = rowsOf<{ name: string }>(
    await tx.execute(sql`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${schema} and c.relkind = 'r' and c.relname in (${sql.join(
        tables.map((t) => sql`${shadowName(t)}`),
        sql`, `,
      )})`),
  ).map((r) => r.name);
  return tables.filter((t) => present.includes(shadowName(t))).map((table) => ({ table, shadow: tableIn(schema, shadowName(table)) }));
}
