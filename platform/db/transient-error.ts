import { DrizzleQueryError } from 'drizzle-orm';
import { errorChain } from '../observability/index.ts';
import { TransactionTimeoutError } from './deadline.ts';

/**
 * PostgreSQL SQLSTATEs that say "not now" rather than "never": the same statement may succeed when tried again.
 * Each maps to the words a problem's detail uses; the server's own message (which can quote a table) is not shown.
 */
const transientStates: Readonly<Record<string, string>> = {
  '57014': 'a statement ran past its timeout (statement_timeout), e.g. waiting for a lock',
  '55P03': 'a lock could not be taken in time (lock_timeout)',
  '25P03': 'a transaction stayed idle past its timeout',
  '40001': 'a concurrent transaction changed the same rows (serialization failure)',
  '40P01': 'a concurrent transaction deadlocked with this one',
  '53300': 'the database has no free connection',
  '53400': 'the database reached a configured limit',
  '57P01': 'the database is shutting down',
  '57P02': 'the database is restarting',
  '57P03': 'the database is not accepting connections yet',
  // A login refused (the role locked, its password rotated, pg_hba changed): an operator's change that is undone or
  // completed while the pool's other connections keep working; readiness says so meanwhile.
  '28000': 'the database refused the login (invalid authorization)',
  '28P01': 'the database refused the login (wrong password)',
};

/** postgres.js's own codes for a connection lost, ended or never made. */
const connectionStates: Readonly<Record<string, string>> = {
  CONNECTION_CLOSED: 'the connection to the database was lost',
  CONNECTION_ENDED: 'the connection to the database was closed',
  CONNECTION_DESTROYED: 'the connection to the database was closed',
  CONNECT_TIMEOUT: 'the database did not accept a connection in time',
};

/** Socket errors: temporary when a query (drizzle's wrapper) is what met them, not any outgoing call. */
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * Why a database operation failed for a reason that passes (a lock or statement timeout, a serialization failure or
 * deadlock, no free connection, a restart, a lost connection, a refused login, a PGlite transaction past
 * `DB_TRANSACTION_TIMEOUT_MS`),
 * in words fit for a client; `undefined` for any other error, which is a fault to report rather than a moment to wait.
 * Looks down the cause chain: drizzle wraps the driver's error as "Failed query: …".
 */
export function transientDatabaseFailure(error: unknown): string | undefined {
  let query = false;
  for (const e of errorChain(error)) {
    if (e instanceof TransactionTimeoutError) return 'a transaction ran past its deadline (DB_TRANSACTION_TIMEOUT_MS)';
    if (e instanceof DrizzleQueryError) query = true;
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    const reason = transientStates[code] ?? connectionStates[code];
    if (reason) return reason;
    if (query && socketCodes.has(code)) return 'the database could not be reached';
  }
  return undefined;
}
