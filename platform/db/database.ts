import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Tracing } from '../observability/index.ts';

/** A drizzle database over PGlite or postgres.js; module code sees only this. */
export type Db = PgDatabase<PgQueryResultHKT, Record<string, never>>;

/** A transaction handle, as passed to `db.transaction(...)` callbacks. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Either a database or a transaction: repositories accept both. */
export type Executor = Db | Tx;

export type DriverKind = 'pglite' | 'postgres';

/** An open database and how to close it. */
export interface DatabaseHandle {
  db: Db;
  kind: DriverKind;
  /** Where it lives, safe to print (no password). */
  describe: string;
  close(): Promise<void>;
  /** A span per statement inside traced work, from now on (the host calls it once tracing is open). */
  traceQueries?(tracing: Tracing): void;
  /** Tells `observe` the wall time of every statement on a module's schema, from now on (cost allocation). */
  observeQueries?(observe: (module: string, seconds: number) => void): void;
}

export interface OpenDatabaseOptions {
  /** A postgres:// URL; without it, PGlite. */
  url?: string | undefined;
  /** PGlite data directory; `memory` (or undefined) keeps it in memory. */
  dataDir?: string | undefined;
  /**
   * PGlite in memory only: start from this image of a data directory (a tarball, as `createPgliteImage` or PGlite's
   * `dumpDataDir` write) instead of creating the cluster, which is most of an in-memory open (initdb: some 3 s of
   * 4, against 1 s to load an image). The test suites start every in-memory database from one fresh image.
   * `{ file }`: the image in that file, made there by this open when the file is missing or PGlite cannot start from it
   * (`PGLITE_IMAGE`).
   */
  image?: Blob | { file: string } | undefined;
  /** Told when the image in `image.file` could not be used and is made again. */
  onImage?: (message: string) => void;
  /** Told when opening `dataDir` waits for a lock held on another host (see `lockDataDirWhenFree`). */
  onWait?: (message: string) => void;
  /** postgres.js pool size. */
  maxConnections?: number;
  /** Run every session as this role (`SET ROLE` at connection start): a module's data-sovereignty role. */
  role?: string;
  /** PostgreSQL session timeouts (`statement_timeout`, `idle_in_transaction_session_timeout`); unset keeps the server's. */
  timeouts?: { statementMs: number; idleInTransactionMs: number };
  /** PostgreSQL over TLS, the server verified against this CA (PEM), host name included: `sslmode=verify-full` with it. */
  ca?: string | undefined;
}

/**
 * Opens the database for a process: postgres.js when a URL is given, otherwise embedded PGlite.
 * Drivers load lazily, so a process on PostgreSQL never loads the PGlite WebAssembly, and vice versa.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const { openPostgres } = await import('./postgres.ts');
    return openPostgres(options.url, options.maxConnections ?? 10, options.role, options.timeouts, options.ca);
  }
  const { openPglite } = await import('./pglite.ts');
  return openPglite(options.dataDir, options.onWait, options.image, options.onImage);
}

/**
 * An image of a new, empty PGlite cluster (a tarball of its data directory after initdb and a checkpoint), for
 * `openDatabase({ dataDir: 'memory', image })`.
 */
export async function createPgliteImage(): Promise<Blob> {
  const { createPgliteImage: create } = await import('./pglite.ts');
  return create();
}

/**
 * The image of a fresh cluster kept in `file`: read, or made (initdb once) and written there when the file is missing
 * or `remake` is set (what `PGLITE_IMAGE` does at a host's start).
 */
export async function readPgliteImage(file: string, options?: { remake?: boolean }): Promise<{ image: Blob; made: boolean }> {
  const { readPgliteImage: read } = await import('./pglite.ts');
  return read(file, options);
}

/** The URL with its password masked, for logs and start-up banners. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return u.toString();
    // The URL setter would percent-encode the brackets; the mask goes in as plain text.
    u.password = 'redacted';
    return u.toString().replace(':redacted@', ':[redacted]@');
  } catch {
    return '(unparseable URL)';
  }
}

/** Whether a query failed on a unique constraint (SQLSTATE 23505), through drizzle's error wrapping. */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}
