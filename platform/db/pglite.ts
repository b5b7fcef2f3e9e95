import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import type { DatabaseHandle, Db } from './database.ts';

/** PGlite adapter: embedded PostgreSQL in WebAssembly, on disk under `<dataDir>/pglite` or in memory. */
export async function openPglite(dataDir: string | undefined): Promise<DatabaseHandle> {
  const inMemory = dataDir === undefined || dataDir === 'memory';
  const dir = inMemory ? undefined : join(dataDir, 'pglite');
  if (dir) mkdirSync(dir, { recursive: true });
  const client = dir ? new PGlite(dir) : new PGlite();
  await client.waitReady;
  return {
    db: drizzle({ client }) as unknown as Db,
    kind: 'pglite',
    describe: dir ? `PGlite ${dir}` : 'PGlite (in memory)',
    close: () => client.close(),
  };
}
