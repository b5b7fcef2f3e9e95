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
  /** Declared columns, subjects and retention columns (`table.column`) that a table in the schema does not have: a typo, most likely. */
  missingColumns: string[];
}

/** A schema's tables, each with its columns. */
export type SchemaTables = ReadonlyMap<string, ReadonlySet<string>>;

/** A projection rebuild's shadow of one of the module's projection tables: classified with the table it replaces. */
const isShadow = (table: string, projectionTables: Set<string>) => table.endsWith('__rebuild') && projectionTables.has(table.slice(0, -'__rebuild'.length));

/**
 * The tables (and views) in `schema` with their columns. From the catalog rather than information_schema, which
 * shows only what the current role has privileges on: a table someone else created there counts too. Partitions go
 * with their parent.
 */
export async function schemaTables(db: Db, schema: string): Promise<Map<string, Set<string>>> {
  const rows = resultRows<{ name: string; column: string | null }>(
    await db.execute(sql`select c.relname as name, a.attname as column from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where n.nspname = ${schema} and c.relkind in ('r', 'p', 'v', 'm', 'f') and not c.relispartition`),
  );
  const tables = new Map<string, Set<string>>();
  for (const { name, column } of rows) {
    const columns = tables.get(name) ?? new Set<string>();
    if (column) columns.add(column);
    tables.set(name, columns);
  }
  return tables;
}

/** Compares the tables a module's schema holds (`present`) with what the module, its projections and the platform classify. */
export function compareTables(module: ModuleDefinition, present: SchemaTables): SchemaClassification {
  const declared = declaredTables(module);
  const projectionTables = new Set((module.projections ?? []).flatMap((p) => Object.keys(p.tables)));
  return {
    unclassified: [...present.keys()].sort().filter((t) => !declared.has(t) && !isShadow(t, projectionTables)),
    // Projection tables are created when the projection first runs, after this check; platform defaults cover
    // tables the module may not have (data keys).
    missing: [...declared]
      .filter(([t, d]) => d.declaredBy !== 'platform' && !present.has(t) && !projectionTables.has(t))
      .map(([t]) => t)
      .sort(),
    missingColumns: [...declared].flatMap(([t, { data, declaredBy }]) => {
      const columns = present.get(t);
      // The platform's own retention columns come with its migrations; a module's may be a typo.
      const aged = data.agedBy && declaredBy !== 'platform' ? [data.agedBy] : [];
      const expiry = typeof data.onExpiry === 'object' ? Object.keys(data.onExpiry.anonymise) : [];
      const ruled = declaredBy !== 'platform' ? [...Object.keys(data.onlyWhen ?? {}), ...(data.belongsTo ? [data.belongsTo.column] : [])] : [];
      const named = [...(data.subject ? [data.subject] : []), ...Object.keys(data.columns ?? {}), ...aged, ...expiry, ...ruled];
      return columns ? [...new Set(named)].filter((c) => !columns.has(c)).map((c) => `${t}.${c}`) : [];
    }),
  };
}

/** Compares the tables in a module's schema (after its migrations) with what the module and the platform classify. */
export async function compareSchema(db: Db, module: ModuleDefinition): Promise<SchemaClassification> {
  return compareTables(module, await schemaTables(db, module.name));
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
 * schema holds a table nothing classifies. Declared tables and columns that are not there are only warned about: they
 * hold no data, and they are legitimately ahead of a schema whose migrations run separately (`migrate` off).
 */
export async function prepareModule(db: Db, module: ModuleDefinition, options: { migrate: boolean; log: Logger }): Promise<void> {
  if (options.migrate) {
    const result = await migrateModule(db, module);
    if (result.applied.length > 0) options.log.info({ module: module.name, applied: result.applied }, 'migrations applied');
  }
  const { unclassified, missing, missingColumns } = await compareSchema(db, module);
  if (unclassified.length > 0) throw unclassifiedTablesError(module.name, unclassified);
  const log = options.log.child({ module: module.name });
  if (missing.length > 0) log.warn({ tables: missing }, 'classified tables not in the schema (a typo, or migrations not applied yet?)');
  if (missingColumns.length > 0) log.warn({ columns: missingColumns }, 'classified columns not in their tables (a typo, or migrations not applied yet?)');
}
