/**
 * @module platform/compliance
 * The vocabulary modules classify their data in (classification, retention, legal basis, subject, personal columns
 * and event fields), its checks, and erasing a data subject by those declarations. Not where data is encrypted
 * (platform/encryption) or expired (retention jobs).
 */
export { classifications, classifiedColumns, higher, tableDataProblems } from './classification.ts';
export type { ColumnData, DataClassification, PersonalTableData, PlainTableData, TableData } from './classification.ts';
export { eraseSubject } from './erase-subject.ts';
export { holdSubject } from './hold-subject.ts';
export type { EraseSubjectOptions, ErasedCounts } from './erase-subject.ts';
export { describeRetention, parseRetention } from './retention.ts';
export type { ParsedRetention, Retention, RetentionPeriod } from './retention.ts';
