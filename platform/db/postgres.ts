import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { redactUrl, type DatabaseHandle, type Db } from './database.ts';

/** postgres.js adapter. TLS follows the URL's `sslmode`; with `ca`, TLS is required and the server verified against it. */
export function openPostgres(
  url: string,
  max: number,
  role?: string,
  timeouts?: { statementMs: number; idleInTransactionMs: number },
  ca?: string,
): DatabaseHandle {
  // `role` and the timeouts are sent as startup parameters, the same as `SET` for the whole session.
  const connection: Record<string, string> = {
    application_name: role ? `cleave:${role}` : 'cleave',
    ...(role ? { role } : {}),
    ...(timeouts ? { statement_timeout: String(timeouts.statementMs), idle_in_transaction_session_timeout: String(timeouts.idleInTransactionMs) } : {}),
  };
  // An `ssl` object takes precedence over the URL's sslmode; Node's tls checks the chain and the host name.
  const client = postgres(url, { max, onnotice: () => {}, connection, ...(ca === undefined ? {} : { ssl: { ca, rejectUnauthorized: true } }) });
  return {
    db: drizzle({ client }) as unknown as Db,
    kind: 'postgres',
    describe: `PostgreSQL ${redactUrl(url)}${role ? ` as ${role}` : ''}`,
    close: () => client.end({ timeout: 5 }),
  };
}
