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
  /**
   * The timestamp column a row's age is counted from, for a finite retention: the retention job removes rows whose
   * `agedBy` is older than the retention. A row whose `agedBy` is null is not aging yet (an undispatched outbox row,
   * a pending dead letter) and is kept. Without it a finite retention is declared but not enforced.
   */
  agedBy?: string;
  /**
   * What happens to a row past its retention: deleted (the default), or anonymised where the row must stay (a ledger
   * must balance): `{ anonymise: { customer_id: null } }` sets each column to the value given (null or a text).
   */
  onExpiry?: 'delete' | { anonymise: Record<string, string | null> };
  /**
   * With `agedBy`: only rows whose columns hold one of the values given age (every column listed must match), so a
   * row still in use is never removed however old: `{ state: ['completed', 'compensated'] }` ages sagas that ended,
   * `{ status: ['released', 'committed'] }` reservations no longer held.
   */
  onlyWhen?: Record<string, readonly string[]>;
  /**
   * Instead of `agedBy`: the row belongs to a row of another table of the module (`column` = `table.references`) and
   * is deleted once that row is gone, removed past its own retention: `{ table: 'sagas', column: 'saga_id',
   * references: 'id' }`. Declare the same retention as that table's. Rows must be written with, or after, the row
   * they belong to (in its transaction): a row whose owner is not there is removed.
   */
  belongsTo?: { table: string; column: string; references: string };
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
  problems.push(...expiryProblems(table, entry));
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

const identifier = /^[a-z_][a-z0-9_]*$/;

/** What is wrong with how a table's rows expire: `agedBy` and `onExpiry` with an indefinite retention, or malformed. */
function expiryProblems(table: string, entry: TableData): string[] {
  const problems: string[] = [];
  const indefinite = typeof entry.retention === 'object';
  if (entry.agedBy !== undefined) {
    if (indefinite) problems.push(`${table}: agedBy "${entry.agedBy}" with an indefinite retention: rows that are kept forever do not age`);
    else if (!identifier.test(entry.agedBy)) problems.push(`${table}: agedBy "${entry.agedBy}" is not a column name (lower case, digits, _)`);
  }
  if (entry.onlyWhen !== undefined) problems.push(...onlyWhenProblems(table, entry));
  if (entry.belongsTo !== undefined) problems.push(...belongsToProblems(table, entry));
  const expiry = entry.onExpiry;
  if (expiry === undefined || expiry === 'delete') return problems;
  if (typeof expiry !== 'object' || typeof expiry.anonymise !== 'object' || expiry.anonymise === null) {
    problems.push(`${table}: onExpiry must be 'delete' or { anonymise: { column: null | 'replacement' } }`);
    return problems;
  }
  if (entry.agedBy === undefined) problems.push(`${table}: onExpiry anonymises, which needs agedBy: the timestamp column a row's age is counted from`);
  const columns = Object.entries(expiry.anonymise);
  if (columns.length === 0) problems.push(`${table}: onExpiry.anonymise names no column`);
  for (const [column, value] of columns) {
    if (!identifier.test(column)) problems.push(`${table}: onExpiry.anonymise names "${column}", which is not a column name`);
    if (value !== null && typeof value !== 'string') problems.push(`${table}.${column}: an anonymised column is set to null or a text`);
    if (column === entry.agedBy) problems.push(`${table}.${column}: the agedBy column cannot be anonymised`);
  }
  return problems;
}

function onlyWhenProblems(table: string, entry: TableData): string[] {
  const problems: string[] = [];
  const when = entry.onlyWhen;
  if (entry.agedBy === undefined) problems.push(`${table}: onlyWhen needs agedBy: the timestamp column a row's age is counted from`);
  if (typeof when !== 'object' || when === null || Object.keys(when).length === 0) {
    problems.push(`${table}: onlyWhen must name at least one column with the values that let a row age: { state: ['done'] }`);
    return problems;
  }
  for (const [column, values] of Object.entries(when)) {
    if (!identifier.test(column)) problems.push(`${table}: onlyWhen names "${column}", which is not a column name`);
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string')) {
      problems.push(`${table}.${column}: onlyWhen lists the values (texts) a row must hold to age, at least one`);
    }
  }
  return problems;
}

function belongsToProblems(table: string, entry: TableData): string[] {
  const problems: string[] = [];
  const owner = entry.belongsTo;
  if (typeof entry.retention === 'object') problems.push(`${table}: belongsTo with an indefinite retention: rows that are kept forever do not go with another`);
  if (entry.agedBy !== undefined) problems.push(`${table}: belongsTo and agedBy both given: a row goes with its owner, or ages by its own column, not both`);
  if (entry.onExpiry !== undefined && entry.onExpiry !== 'delete') problems.push(`${table}: belongsTo deletes rows with their owner; it cannot anonymise them`);
  if (typeof owner !== 'object' || owner === null) return [...problems, `${table}: belongsTo must be { table, column, references }`];
  for (const [what, name] of Object.entries({ table: owner.table, column: owner.column, references: owner.references })) {
    if (typeof name !== 'string' || !identifier.test(name)) problems.push(`${table}: belongsTo.${what} "${String(name)}" is not a table or column name`);
  }
  if (owner.table === table) problems.push(`${table}: belongsTo names the table itself`);
  return problems;
}
