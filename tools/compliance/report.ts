import {
  classifications,
  parseRetention,
  type ColumnData,
  type DataClassification,
  type ParsedRetention,
  type TableData,
} from '../../platform/compliance/index.ts';
import type { EventDefinition } from '../../platform/events/index.ts';
import { compareTables, declaredTables, type DeclaredBy, type ModuleDefinition, type SchemaTables } from '../../platform/host/index.ts';

export interface ReportTable {
  table: string;
  classification: DataClassification;
  declaredBy: DeclaredBy;
  retention: ParsedRetention;
  /** How the retention job enforces a finite retention: the column rows age from, and what happens past it; null when it does not. */
  expiry:
    | { agedBy: string; action: 'delete' | 'anonymise'; anonymise: string[]; onlyWhen: Record<string, readonly string[]> }
    | { belongsTo: { table: string; column: string; references: string } }
    | null;
  legalBasis: string | null;
  subject: string | null;
  columns: ({ column: string } & ColumnData)[];
  copiesOf: string[];
}

function expiryOf(data: TableData): ReportTable['expiry'] {
  if (typeof data.retention === 'object') return null;
  if (data.belongsTo) return { belongsTo: data.belongsTo };
  if (!data.agedBy) return null;
  const anonymise = typeof data.onExpiry === 'object' ? Object.keys(data.onExpiry.anonymise) : [];
  return { agedBy: data.agedBy, action: anonymise.length > 0 ? 'anonymise' : 'delete', anonymise, onlyWhen: data.onlyWhen ?? {} };
}

export interface ReportModule {
  module: string;
  owner: string;
  /** The highest classification among its tables. */
  holds: DataClassification;
  tables: ReportTable[];
}

export interface ReportConsumer {
  module: string;
  /** The consumer's tables that keep copies of the event's classified fields (`copiesOf`). */
  tables: string[];
}

export interface ReportEvent {
  event: string;
  version: number;
  producer: string;
  fields: ({ field: string } & ColumnData)[];
  consumers: ReportConsumer[];
}

export interface ComplianceReport {
  modules: ReportModule[];
  /** Events that carry personal or sensitive fields, and where their copies go. */
  events: ReportEvent[];
}

/** A schema that does not match the declarations: tables nobody classified, or declared columns a table lacks. */
export class SchemaMismatchError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`${problems.join('; ')}; see docs/operations/data-classification.md`);
    this.problems = problems;
  }
}

const rank = (c: DataClassification) => classifications.indexOf(c);

/**
 * The compliance report of `modules`, from their declarations and the tables their migrated schemas hold (`present`,
 * per module): every table with its classification, retention and legal basis, and every event with classified
 * fields with the modules that consume it and the tables that keep its copies. Throws `SchemaMismatchError` when a
 * schema holds a table nothing classifies, or a table lacks a column declared for it.
 */
export function complianceReport(modules: readonly ModuleDefinition[], present: ReadonlyMap<string, SchemaTables>): ComplianceReport {
  const unclassified: string[] = [];
  const missingColumns: string[] = [];
  const reported = modules.map((m): ReportModule => {
    const declared = declaredTables(m);
    const tables: SchemaTables = present.get(m.name) ?? new Map();
    const projectionTables = (m.projections ?? []).flatMap((p) => Object.keys(p.tables));
    const compared = compareTables(m, tables);
    unclassified.push(...compared.unclassified.map((t) => `${m.name}.${t}`));
    missingColumns.push(...compared.missingColumns.map((c) => `${m.name}.${c}`));
    const rows = [...declared]
      .filter(([table]) => tables.has(table) || projectionTables.includes(table))
      .map(([table, { data, declaredBy }]): ReportTable => ({
        table,
        classification: data.classification,
        declaredBy,
        retention: parseRetention(data.retention),
        expiry: expiryOf(data),
        legalBasis: data.legalBasis ?? null,
        subject: data.subject ?? null,
        columns: Object.entries(data.columns ?? {}).map(([column, c]) => ({ column, ...c })),
        copiesOf: [...(data.copiesOf ?? [])],
      }))
      .sort((a, b) => rank(b.classification) - rank(a.classification) || a.table.localeCompare(b.table));
    const holds = rows[0]?.classification ?? 'public';
    return { module: m.name, owner: m.owner, holds, tables: rows };
  });
  const problems = [
    ...(unclassified.length > 0 ? [`tables nobody classified: ${unclassified.join(', ')} (declare each in its module's \`data\`)`] : []),
    ...(missingColumns.length > 0 ? [`classified columns their tables do not have: ${missingColumns.join(', ')}`] : []),
  ];
  if (problems.length > 0) throw new SchemaMismatchError(problems);
  return { modules: reported, events: travellingEvents(modules) };
}

/** Every published event version with classified fields, its consumers and the consumers' tables that keep copies. */
function travellingEvents(modules: readonly ModuleDefinition[]): ReportEvent[] {
  const events = modules.flatMap((m) => m.contract.events as readonly EventDefinition[]).filter((e) => Object.keys(e.fields ?? {}).length > 0);
  return events
    .map((e): ReportEvent => {
      const consumers = modules
        .filter((m) => (m.subscriptions ?? []).some((s) => s.event.name === e.name))
        .map((m) => ({
          module: m.name,
          tables: Object.entries(m.data ?? {})
            .filter(([, d]) => d.copiesOf?.includes(e.name))
            .map(([t]) => t),
        }));
      return {
        event: e.name,
        version: e.version,
        producer: e.module,
        fields: Object.entries(e.fields ?? {}).map(([field, c]) => ({ field, ...c })),
        consumers,
      };
    })
    .sort((a, b) => a.event.localeCompare(b.event) || a.version - b.version);
}
