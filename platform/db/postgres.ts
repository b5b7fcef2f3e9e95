import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { redactUrl, type DatabaseHandle, type Db } from './database.ts';

/** postgres.js adapter. */
export function openPostgres(url: string, max: number): DatabaseHandle {
  const client = postgres(url, { max, onnotice: () => {}, connection: { application_name: 'cleave' } });
  return {
    db: drizzle({ client }) as unknown as Db,
    kind: 'postgres',
    describe: `PostgreSQL ${redactUrl(url)}`,
    close: () => client.end({ timeout: 5 }),
  };
}
