import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Db } from './database.ts';

export interface Migration {
  tag: string;
  hash: string;
  statements: string[];
}

/** Reads a drizzle-kit migrations folder (`meta/_journal.json` plus one `.sql` per entry). */
export function readMigrations(folder: string): Migration[] {
  const journalPath = join(folder, 'meta', '_journal.json');
  if (!existsSync(journalPath)) throw new Error(`No migrations journal at ${journalPath}; run \`npm run db:generate\`.`);
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  return journal.entries.map(({ tag }) => {
    const text = readFileSync(join(folder, `${tag}.sql`), 'utf8');
    return {
      tag,
      hash: createHash('sha256').update(text).digest('hex'),
      statements: text
        .split('--> statement-breakpoint')
        .map((s) => s.trim())
        // The migrator creates the schema itself (or finds it provisioned for the module's role, which may not
        // create schemas at all), so drizzle-kit's CREATE SCHEMA is left out.
        .filter((s) => s !== '' && !/^CREATE SCHEMA "[^"]+";?$/i.test(s)),
    };
  });
}

export interface MigrationResult {
  applied: string[];
  total: number;
}

/** A PostgreSQL identifier quoted for SQL text (`my"schema` → `"my""schema"`): schema, table and role names. */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Applies a module's pending migrations in one transaction, under an advisory lock keyed by the schema, so two
 * processes starting together apply each migration once. Applied migrations are recorded in
 * `<schema>.__migrations`; an applied migration whose file changed stops start-up. `source` is a drizzle-kit folder, or
 * migrations the platform itself holds for every module's schema (the audit trail's).
 */
export async function migrateSchema(db: Db, schema: string, source: string | readonly Migration[]): Promise<MigrationResult> {
  const migrations = typeof source === 'string' ? readMigrations(source) : source;
  const table = `${quoteIdentifier(schema)}.${quoteIdentifier('__migrations')}`;
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`cleave:migrate:${schema}`}))`);
    const present = resultRows(await tx.execute(sql`select 1 from pg_namespace where nspname = ${schema}`)).length > 0;
    // Even IF NOT EXISTS needs the right to create schemas, which a module's own role does not have.
    if (!present) await tx.execute(sql.raw(`create schema ${quoteIdentifier(schema)}`));
    await tx.execute(sql.raw(`create table if not exists ${table} (tag text primary key, hash text not null, applied_at timestamptz not null default now())`));
    const rows = await tx.execute(sql.raw(`select tag, hash from ${table}`));
    const done = new Map(resultRows<{ tag: string; hash: string }>(rows).map((r) => [r.tag, r.hash]));
    const applied: string[] = [];
    for (const m of migrations) {
      const hash = done.get(m.tag);
      if (hash !== undefined) {
        if (hash !== m.hash) throw new Error(`Migration ${schema}/${m.tag} was changed after it was applied; add a new migration instead.`);
        continue;
      }
      for (const statement of m.statements) await tx.execute(sql.raw(statement));
      await tx.execute(sql`insert into ${sql.raw(table)} (tag, hash) values (${m.tag}, ${m.hash})`);
      applied.push(m.tag);
    }
    return { applied, total: migrations.length };
  });
}

/** How many of the folder's (or list's) migrations are not yet recorded as applied. */
export async function pendingMigrations(db: Db, schema: string, source: string | readonly Migration[]): Promise<number> {
  const migrations = typeof source === 'string' ? readMigrations(source) : source;
  const exists = resultRows<{ t: string | null }>(await db.execute(sql`select to_regclass(${`${quoteIdentifier(schema)}.__migrations`})::text as t`));
  if (!exists[0]?.t) return migrations.length;
  const rows = resultRows<{ tag: string }>(await db.execute(sql.raw(`select tag from ${quoteIdentifier(schema)}.${quoteIdentifier('__migrations')}`)));
  const done = new Set(rows.map((r) => r.tag));
  return migrations.filter((m) => !done.has(m.tag)).length;
}

/** postgres.js returns rows as an array, PGlite as `{ rows }`; raw queries read through this. */
export function resultRows<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
