import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { redactUrl, type DatabaseHandle, type Db } from './database.ts';

/** postgres.js adapter. */
export function openPostgres(url: string, max: number, role?: string, timeouts?: { statementMs: number; idleInTransactionMs: number }): DatabaseHandle {
  // `role` and the timeouts are sent as startup parameters, the same as `SET` for the whole session.
  const connection: Record<string, string> = {
    application_name: role ? `cleave:${role}` : 'cleave',
    ...(role ? { role } : {}),
    ...(timeouts ? { statement_timeout: String(timeouts.statementMs), idle_in_transaction_session_timeout: String(timeouts.idleInTransactionMs) } : {}),
  };
  const client = postgres(url, { max, onnotice: () => {}, connection });
  return {
    db: drizzle({ client }) as unknown as Db,
    kind: 'postgres',
    describe: `PostgreSQL ${redactUrl(url)}${role ? ` as ${role}` : ''}`,
    close: () => client.end({ timeout: 5 }),
  };
}
