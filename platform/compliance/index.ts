/**
 * @module platform/compliance
 * The vocabulary modules classify their data in (classification, retention, legal basis, subject, personal columns
 * and event fields) and its checks. Not where data is encrypted (platform/encryption) or deleted (retention jobs).
 */
export { classifications, classifiedColumns, higher, tableDataProblems } from './classification.ts';
export type { ColumnData, DataClassification, PersonalTableData, PlainTableData, TableData } from './classification.ts';
export { describeRetention, parseRetention } from './retention.ts';
export type { ParsedRetention, Retention, RetentionPeriod } from './retention.ts';
