import { drizzle } from 'drizzle-orm/postgres-js';
import { isIP } from 'node:net';
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
  const client = postgres(url, { max, onnotice: () => {}, connection, ...(ca === undefined ? {} : { ssl: verifiedTls(url, ca) }) });
  return {
    db: drizzle({ client }) as unknown as Db,
    kind: 'postgres',
    describe: `PostgreSQL ${redactUrl(url)}${role ? ` as ${role}` : ''}`,
    close: () => client.end({ timeout: 5 }),
  };
}

/**
 * An `ssl` object takes precedence over the URL's sslmode. Node checks the chain and the name: postgres.js sends a
 * DNS name as `servername`, but not an IP address, and Node would then check the certificate against `localhost`, so
 * an IP address is named as `host`.
 */
function verifiedTls(url: string, ca: string): { ca: string; rejectUnauthorized: true; host?: string } {
  // A URL naming several hosts does not parse: those are names, sent as servername.
  const hostname = URL.canParse(url) ? new URL(url).hostname.replace(/^\[|\]$/g, '') : '';
  return { ca, rejectUnauthorized: true, ...(isIP(hostname) ? { host: hostname } : {}) };
}
