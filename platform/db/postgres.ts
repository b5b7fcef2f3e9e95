import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { redactUrl, type DatabaseHandle, type Db } from './database.ts';

/** postgres.js adapter. */
export function openPostgres(url: string, max: number, role?: string): DatabaseHandle {
  // `role` is sent as a startup parameter, the same as `SET ROLE` for the whole session.
  const connection: Record<string, string> = { application_name: role ? `cleave:${role}` : 'cleave', ...(role ? { role } : {}) };
  const client = postgres(url, { max, onnotice: () => {}, connection });
  return {
    db: drizzle({ client }) as unknown as Db,
    kind: 'postgres',
    describe: `PostgreSQL ${redactUrl(url)}${role ? ` as ${role}` : ''}`,
    close: () => client.end({ timeout: 5 }),
  };
}
