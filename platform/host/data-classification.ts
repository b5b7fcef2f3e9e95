/** How sensitive a table is as a whole. */
export type DataClassification = 'public' | 'internal' | 'confidential' | 'restricted';

/**
 * A column holding personal data (about an identifiable person: e-mail, name, address) or sensitive data, and how it
 * is protected at rest: `encrypted` (sealed per subject, see platform/encryption), `blind-index` (a keyed hash kept
 * for lookups beside an encrypted column), `hashed` (one-way: passwords), `plain` (stored as is: say why where declared).
 */
export interface ColumnData {
  category: 'personal' | 'sensitive';
  protection: 'encrypted' | 'blind-index' | 'hashed' | 'plain';
}

/** A table's classification with the columns that need care, and the column naming the person a row is about. */
export interface TableData {
  classification: DataClassification;
  /** The column naming the data subject (the person) each row is about: what erasure and export follow. */
  subject?: string;
  columns?: Record<string, ColumnData>;
}

/** A table's entry in a module's `data`: a classification alone (no personal columns), or the detailed form. */
export type TableDataEntry = DataClassification | TableData;

/** The detailed form of an entry, whichever form it was declared in. */
export function tableData(entry: TableDataEntry): TableData {
  return typeof entry === 'string' ? { classification: entry } : entry;
}

/** Every `<table>.<column>` a module declares personal or sensitive, with its protection. */
export function classifiedColumns(data: Record<string, TableDataEntry> | undefined): { table: string; column: string; data: ColumnData }[] {
  return Object.entries(data ?? {}).flatMap(([table, entry]) =>
    Object.entries(tableData(entry).columns ?? {}).map(([column, c]) => ({ table, column, data: c })),
  );
}
