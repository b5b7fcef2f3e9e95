import { sql } from 'drizzle-orm';
import { resultRows, type Db } from '../db/index.ts';
import type { Logger } from '../observability/index.ts';
import type { ModuleDefinition } from './define-module.ts';
import { migrateModule } from './migrate-module.ts';
import { declaredTables } from './platform-data.ts';

/** How a module's schema compares with its declared classification. */
export interface SchemaClassification {
  /** Tables in the schema that nothing classifies: the host refuses to start the module. */
  unclassified: string[];
  /** Tables the module itself (or a projection) classifies that its schema does not hold: worth a warning. */
  missing: string[];
}

/** A projection rebuild's shadow of one of the module's projection tables: classified with the table it replaces. */
const isShadow = (table: string, projectionTables: Set<string>) => table.endsWith('__rebuild') && projectionTables.has(table.slice(0, -'__rebuild'.length));

/**
 * The tables (and views) in `schema`. From the catalog rather than information_schema, which shows only what the
 * current role has privileges on: a table someone else created there counts too. Partitions go with their parent.
 */
export async function schemaTables(db: Db, schema: string): Promise<Set<string>> {
  const rows = resultRows<{ name: string }>(
    await db.execute(sql`select c.relname as name from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${schema} and c.relkind in ('r', 'p', 'v', 'm', 'f') and not c.relispartition`),
  );
  return new Set(rows.map((r) => r.name));
}

/** Compares the tables in a module's schema (after its migrations) with what the module and the platform classify. */
export async function compareSchema(db: Db, module: ModuleDefinition): Promise<SchemaClassification> {
  const present = await schemaTables(db, module.name);
  const declared = declaredTables(module);
  const projectionTables = new Set((module.projections ?? []).flatMap((p) => Object.keys(p.tables)));
  return {
    unclassified: [...present].sort().filter((t) => !declared.has(t) && !isShadow(t, projectionTables)),
    // Projection tables are created when the projection first runs, after this check; platform defaults cover
    // tables the module may not have (data keys).
    missing: [...declared]
      .filter(([t, d]) => d.declaredBy !== 'platform' && !present.has(t) && !projectionTables.has(t))
      .map(([t]) => t)
      .sort(),
  };
}

/** The error a host starts with when a module's schema holds tables it did not classify. */
export function unclassifiedTablesError(module: string, tables: readonly string[]): Error {
  return new Error(
    `Module ${module} has tables it did not classify: ${tables.map((t) => `${module}.${t}`).join(', ')}. ` +
      `Declare each in the module's \`data\` (defineModule in modules/${module}/module.ts), or in the \`data\` of the projection that owns it, ` +
      `with its classification (public, internal, personal, sensitive), retention and, for personal or sensitive data, its legal basis; ` +
      `see docs/operations/data-classification.md.`,
  );
}

/**
 * Readies a module's schema at start-up: applies its migrations (when `migrate`), then refuses the module when its
 * schema holds a table nothing classifies. Declared tables that are not there are only warned about: they hold no
 * data, and they are legitimately ahead of a schema whose migrations run separately (`migrate` off).
 */
export async function prepareModule(db: Db, module: ModuleDefinition, options: { migrate: boolean; log: Logger }): Promise<void> {
  if (options.migrate) {
    const result = await migrateModule(db, module);
    if (result.applied.length > 0) options.log.info({ module: module.name, applied: result.applied }, 'migrations applied');
  }
  const { unclassified, missing } = await compareSchema(db, module);
  if (unclassified.length > 0) throw unclassifiedTablesError(module.name, unclassified);
  if (missing.length > 0)
    options.log.warn({ module: module.name, tables: missing }, 'classified tables not in the schema (a typo, or migrations not applied yet?)');
}
