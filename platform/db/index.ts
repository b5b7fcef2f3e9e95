/**
 * @module platform/db
 * Database access for modules: drizzle over embedded PGlite (default) or PostgreSQL through postgres.js, and the
 * per-schema migrator. Not a repository layer: modules write their own queries against their own schema.
 */
export { openDatabase, createPgliteImage, readPgliteImage, redactUrl, isUniqueViolation } from './database.ts';
export { connectionProblem, isMissingDatabase } from './connection-problem.ts';
export { transientDatabaseFailure } from './transient-error.ts';
export type { Db, Tx, Executor, DatabaseHandle, DriverKind, OpenDatabaseOptions } from './database.ts';
export { migrateSchema, pendingMigrations, quoteIdentifier, readMigrations, resultRows } from './migrate.ts';
export type { Migration, MigrationResult } from './migrate.ts';
export { uuidv7 } from './ids.ts';
export { withTransactionDeadline, TransactionTimeoutError } from './deadline.ts';
