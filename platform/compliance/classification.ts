import { parseRetention, type Retention } from './retention.ts';

/**
 * How sensitive a table is as a whole, lowest first: `public` (published anyway), `internal` (business data about no
 * one), `personal` (rows about an identifiable person, pseudonymous ids included), `sensitive` (credentials, keys,
 * tokens, or data whose leak harms a person more than personal data: special categories, payment data).
 */
export type DataClassification = 'public' | 'internal' | 'personal' | 'sensitive';

/** The classifications in rising order. */
export const classifications: readonly DataClassification[] = ['public', 'internal', 'personal', 'sensitive'];

/**
 * A column (or event field) holding personal data (about an identifiable person: e-mail, name, address, a user id) or
 * sensitive data, and how it is protected at rest: `encrypted` (sealed per subject, see platform/encryption),
 * `blind-index` (a keyed hash kept for lookups beside an encrypted column), `hashed` (one-way: passwords), `plain`
 * (stored as is: say why where declared).
 */
export interface ColumnData {
  category: 'personal' | 'sensitive';
  protection: 'encrypted' | 'blind-index' | 'hashed' | 'plain';
}

interface TableDataBase {
  /** How long a row is kept once written (`'30d'`, `'7y'`), or `{ indefinite: 'why' }`; what retention jobs apply. */
  retention: Retention;
  /** The column naming the data subject (the person) each row is about: what erasure and export follow. */
  subject?: string;
  /** The columns holding personal or sensitive data, with their protection. */
  columns?: Record<string, ColumnData>;
  /** Events (`<module>.<event>`) whose personal or sensitive fields this table keeps copies of. */
  copiesOf?: readonly string[];
}

/** A table about no one: a legal basis is optional. */
export interface PlainTableData extends TableDataBase {
  classification: 'public' | 'internal';
  legalBasis?: string;
}

/** A table holding personal or sensitive data: it says on what legal basis (GDPR Art. 6/9, a contract, a law). */
export interface PersonalTableData extends TableDataBase {
  classification: 'personal' | 'sensitive';
  legalBasis: string;
}

/** A table's entry in a module's `data`: classification, retention, legal basis, subject, and the columns that need care. */
export type TableData = PlainTableData | PersonalTableData;

/** Every `<table>.<column>` of `data` declared personal or sensitive, with its protection. */
export function classifiedColumns(data: Record<string, TableData> | undefined): { table: string; column: string; data: ColumnData }[] {
  return Object.entries(data ?? {}).flatMap(([table, entry]) => Object.entries(entry.columns ?? {}).map(([column, c]) => ({ table, column, data: c })));
}

const rank = (c: DataClassification) => classifications.indexOf(c);

/** The higher of two classifications. */
export function higher(a: DataClassification, b: DataClassification): DataClassification {
  return rank(a) >= rank(b) ? a : b;
}

/**
 * What is wrong with one table's declaration, as sentences naming the table: an unknown classification, a bad
 * retention, a personal or sensitive table without a legal basis, a column ranked above its table, a subject in a
 * table about no one.
 */
export function tableDataProblems(table: string, entry: TableData): string[] {
  const problems: string[] = [];
  if (!classifications.includes(entry.classification)) {
    problems.push(`${table}: classification "${String(entry.classification)}" is not one of ${classifications.join(', ')}`);
    return problems;
  }
  try {
    parseRetention(entry.retention);
  } catch (error) {
    problems.push(`${table}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const personal = rank(entry.classification) >= rank('personal');
  if (personal && !entry.legalBasis?.trim()) problems.push(`${table}: a ${entry.classification} table needs a legalBasis`);
  if (!personal && entry.subject) problems.push(`${table}: names a subject column, so it is about a person: classify it personal or sensitive`);
  for (const [column, c] of Object.entries(entry.columns ?? {})) {
    if (rank(c.category) > rank(entry.classification)) {
      problems.push(`${table}.${column}: a ${c.category} column in a table classified ${entry.classification}: classify the table ${c.category}`);
    }
  }
  return problems;
}
