import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import type { DatabaseHandle, Db } from './database.ts';

/** PGlite adapter: embedded PostgreSQL in WebAssembly, on disk under `dataDir` or in memory. */
export async function openPglite(dataDir: string | undefined): Promise<DatabaseHandle> {
  const inMemory = dataDir === undefined || dataDir === 'memory';
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const client = inMemory ? new PGlite() : new PGlite(dataDir);
  await client.waitReady;
  return {
    db: drizzle({ client }) as unknown as Db,
    kind: 'pglite',
    describe: inMemory ? 'PGlite (in memory)' : `PGlite ${dataDir}`,
    close: () => client.close(),
  };
}
